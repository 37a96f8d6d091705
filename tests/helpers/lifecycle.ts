import { randomInt, randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { createCalendarActivities } from '../../activities/calendar';
import type { Db } from '../../db/connection';
import { DEFAULT_RULE_SETTINGS, type RuleSettings } from '../../domain/rule-settings';
import { applicationWorkflow } from '../../workflows/application';
import {
  APPLICATION_TASK_QUEUE,
  chooseKindergartenUpdate,
  getStateQuery,
  offerPlacesSignal,
  type ApplicationFiling,
  type ApplicationState,
} from '../../contracts/application';
import { buildFiling } from './filings';
import { preview, waitOptions, waitUntil, withinCalls, type Expectation } from './waits';
import type { BenefitCategory } from '../../domain/queue';

export { eventually, within, WAIT_MS, type Expectation, type WaitOptions } from './waits';

/**
 * A region of its own, so calendar rows and settings a test adds touch no other test. Its
 * numbering prefix is its own too (three digits; the seeded regions have two), so its registration
 * numbers — the workflow IDs — never meet another test region's.
 */
export async function buildRegion(db: Db, settings: Partial<RuleSettings> = {}): Promise<string> {
  const code = `test-${randomUUID().slice(0, 8)}`;
  const counted = await db('regions').count({ n: '*' }).first();
  const numberPrefix = String(100 + (Number(counted?.n ?? 0) % 900));
  await db('regions').insert({
    code,
    name_ru: code,
    name_kk: code,
    settings: JSON.stringify({ ...DEFAULT_RULE_SETTINGS, numberPrefix, ...settings }),
  });
  return code;
}

/**
 * A kindergarten in the region with one place of `seats` free seats for `groupYear`; with a
 * `needCategory`, a correctional kindergarten whose place is for that category (R8.1).
 */
export async function buildPlace(db: Db, opts: { regionCode: string; groupYear: number; seats?: number; needCategory?: string }) {
  const kind = opts.needCategory ? 'correctional' : 'state';
  const [kg] = await db('kindergartens')
    .insert({ region_code: opts.regionCode, name_ru: 'Тестовый сад', name_kk: 'Сынақ бақшасы', kind, address: 'ул. Тестовая, 1' })
    .returning('id');
  const seats = opts.seats ?? 1;
  const [place] = await db('places')
    .insert({
      kindergarten_id: kg.id, group_year: opts.groupYear, language: 'ru', place_type: 'general', total: seats, free: seats, released_on: '2026-11-24',
      need_category: opts.needCategory ?? null,
    })
    .returning('id');
  return { placeId: place.id as number, kindergartenId: kg.id as number };
}

export const freeSeats = async (db: Db, placeId: number): Promise<number> =>
  (await db('places').where({ id: placeId }).first('free')).free;

export interface Started {
  filing: ApplicationFiling;
  handle: WorkflowHandle<typeof applicationWorkflow>;
}

/** Files an application straight into a workflow at the test server's current time. */
export async function startApplication(
  env: TestWorkflowEnvironment,
  db: Db,
  opts: { regionCode: string; childBirthDate?: string; benefitCategory?: BenefitCategory; needCategory?: string },
): Promise<Started> {
  const filing = await buildFiling(db, {
    registeredAt: await env.currentTimeMs(),
    regionCode: opts.regionCode,
    childBirthDate: opts.childBirthDate ?? '2022-06-15',
    benefitCategory: opts.benefitCategory,
    needCategory: opts.needCategory, // R8.1: a correctional filing
  });
  const handle = await env.client.workflow.start(applicationWorkflow, {
    workflowId: filing.number,
    taskQueue: APPLICATION_TASK_QUEUE,
    args: [{ filing }],
  });
  return { filing, handle };
}

/** R4.4: what the offer process sends — places and the R4.5 window from the calendar. */
export async function offerPlaces(env: TestWorkflowEnvironment, db: Db, { filing, handle }: Started, placeIds: number[]) {
  const offeredAt = await env.currentTimeMs();
  const windowEndsAt = await createCalendarActivities({ db }).workingDeadline({
    regionCode: filing.regionCode,
    from: offeredAt,
    days: DEFAULT_RULE_SETTINGS.choiceWindowWorkingDays,
    rule: 'window',
  });
  await handle.signal(offerPlacesSignal, { offerId: randomUUID(), placeIds, offeredAt, windowEndsAt });
  await waitForState(handle, (s) => s.status === 'turn_notified', 'status turn_notified after the offer signal');
  await untilIdle(handle); // the turn_arrived notice
  return { offeredAt, windowEndsAt };
}

/**
 * The result of a workflow once its run has closed. `result()` long-polls without a bound, and while
 * it waits the test server skips time through every pending timer of every workflow (years, if
 * nothing else runs), so this polls until the run has closed (5 s at most; move the clock there
 * first with `skipTo`) and reads the result from its history.
 */
export async function finished<T>(handle: WorkflowHandle<(...args: any[]) => Promise<T>>, expectation?: Expectation): Promise<T> {
  const closed = await waitUntil(() => handle.describe(), (d) => d.status.name !== 'RUNNING', {
    label: `finished(${handle.workflowId})`,
    expect: 'the run to close',
    ...waitOptions(expectation),
    reading: 'last status',
    show: (d) => d.status.name,
  });
  const history = await handle.fetchHistory();
  const completed = history.events?.at(-1)?.workflowExecutionCompletedEventAttributes;
  if (!completed) throw new Error(`finished(${handle.workflowId}): the run closed as ${closed.status.name}, not completed`);
  return defaultPayloadConverter.fromPayload(completed.result!.payloads![0]!) as T;
}

/**
 * Signals are handled asynchronously: polls the workflow's state until `ok` holds, and fails after
 * 5 s naming the workflow, the expectation (say what `ok` checks: "status queued") and the last state.
 */
export const waitForState = (
  handle: WorkflowHandle<typeof applicationWorkflow>,
  ok: (state: ApplicationState) => boolean,
  expectation?: Expectation,
) =>
  waitUntil(() => handle.query(getStateQuery), ok, { label: `waitForState(${handle.workflowId})`, ...waitOptions(expectation), reading: 'last state' });

/** The outbox rows of one kind of notice for an application, once there are `expected` of them (5 s at most). */
export const noticesOf = (db: Db, number: string, kind: string, expected: number, expectation?: Expectation) =>
  waitUntil(() => db('notices').where({ application_number: number, kind }), (rows) => rows.length >= expected, {
    label: `noticesOf(${number})`,
    expect: `${expected} '${kind}' notices`,
    ...waitOptions(expectation),
    reading: 'last found',
    show: (rows) => `${rows.length}: ${preview(rows.map((r: { channel: string }) => r.channel))}`,
  });

/** What a run has in flight, by its history: activities scheduled and not closed, and a workflow task. */
async function inFlight(handle: WorkflowHandle): Promise<string[]> {
  const events = (await handle.fetchHistory()).events ?? [];
  const last = events.at(-1);
  if (!last || last.workflowExecutionCompletedEventAttributes || last.workflowExecutionFailedEventAttributes
    || last.workflowExecutionTerminatedEventAttributes || last.workflowExecutionContinuedAsNewEventAttributes
    || last.workflowExecutionCanceledEventAttributes || last.workflowExecutionTimedOutEventAttributes) return [];
  const activities = new Map<string, string>();
  let task = false;
  for (const e of events) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) activities.set(String(e.eventId), scheduled.activityType?.name ?? 'an activity');
    const closed = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes ?? e.activityTaskCanceledEventAttributes;
    if (closed) activities.delete(String(closed.scheduledEventId));
    if (e.workflowTaskScheduledEventAttributes) task = true;
    if (e.workflowTaskCompletedEventAttributes || e.workflowTaskFailedEventAttributes || e.workflowTaskTimedOutEventAttributes) task = false;
  }
  return [...activities.values(), ...(task ? ['a workflow task'] : [])];
}

/** Waits until the run has no activity and no workflow task in flight (5 s at most). */
export const untilIdle = (handle: WorkflowHandle, expectation?: Expectation) =>
  waitUntil(() => inFlight(handle), (busy) => busy.length === 0, {
    label: `untilIdle(${handle.workflowId})`,
    expect: 'nothing in flight',
    ...waitOptions(expectation),
    reading: 'still in flight',
  });

/**
 * Terminates a run once nothing of it is in flight. The time-skipping test server holds its clock
 * while an activity runs, and an activity cut off by a termination never lets go: every later
 * `skipTo` in the file would wait in vain. A run already closed is left as it is.
 */
export async function terminateWhenIdle(handle: WorkflowHandle, reason = 'test finished'): Promise<void> {
  await untilIdle(handle);
  await handle.terminate(reason).catch((err) => {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  });
}

/** A workflow's current run and the input it started with (after continue-as-new, what was carried). */
export async function currentRun<I>(handle: WorkflowHandle): Promise<{ runId: string; input: I }> {
  const history = await handle.fetchHistory();
  const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  return { runId: (await handle.describe()).runId, input: defaultPayloadConverter.fromPayload(payload!) as I };
}

/** Offers one place and chooses it: the application then holds a referral. */
export async function issueReferral(env: TestWorkflowEnvironment, db: Db, started: Started, placeId: number) {
  await offerPlaces(env, db, started, [placeId]);
  return started.handle.executeUpdate(chooseKindergartenUpdate, {
    args: [{ requestId: randomUUID(), actorIin: started.filing.applicantIin, placeId }],
  });
}

export const request = (started: Started) => ({ requestId: randomUUID(), actorIin: started.filing.applicantIin });

/** How long (real time) the test server may take to move its clock, through every timer on the way. */
export const SKIP_MS = 20_000;

/** Moves the test server's clock to `instant`; fails after 20 s (a workflow or activity stuck on the way). */
export async function skipTo(env: TestWorkflowEnvironment, instant: number): Promise<void> {
  const now = await env.currentTimeMs();
  if (instant <= now) return;
  const to = new Date(instant).toISOString();
  await withinCalls(env.connection, SKIP_MS, `skipTo(${to})`, "the test server's clock there", () => env.sleep(instant - now));
}

export const events = (db: Db, number: string) => db('application_events').where({ application_number: number }).orderBy('seq');
export const causes = async (db: Db, number: string) => (await events(db, number)).map((e) => e.cause);
export const applicationRow = (db: Db, number: string) => db('applications').where({ number }).first();

export const randomSerial = () => randomInt(0, 10_000);

/** What a refused update rejects with: the workflow's typed failure as its cause. */
export const refusal = (type: string) => ({ cause: expect.objectContaining({ type }) });

/**
 * A new application in a region of its own (or `regionCode`) holding a referral to a new place;
 * with a `needCategory`, a correctional application with a referral to a place of that category (R8).
 */
export async function startWithReferral(env: TestWorkflowEnvironment, db: Db, regionCode?: string, childBirthDate?: string, needCategory?: string) {
  const region = regionCode ?? (await buildRegion(db));
  const started = await startApplication(env, db, { regionCode: region, childBirthDate, needCategory });
  const { placeId, kindergartenId } = await buildPlace(db, { regionCode: region, groupYear: started.filing.groupYear, needCategory });
  const state = await issueReferral(env, db, started, placeId);
  return {
    started,
    placeId,
    kindergartenId,
    regionCode: region,
    state,
    deadline: Date.parse(state.deadlines.referralDeadline!),
    issuedAt: Date.parse(state.referral!.issuedAt),
  };
}
