import { randomInt, randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
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
} from '../../workflows/application.messages';
import { buildFiling } from './filings';
import type { BenefitCategory } from '../../domain/queue';

/** A region of its own, so calendar rows and settings a test adds touch no other test. */
export async function buildRegion(db: Db, settings: Partial<RuleSettings> = {}): Promise<string> {
  const code = `test-${randomUUID().slice(0, 8)}`;
  await db('regions').insert({
    code,
    name_ru: code,
    name_kk: code,
    settings: JSON.stringify({ ...DEFAULT_RULE_SETTINGS, numberPrefix: '99', ...settings }),
  });
  return code;
}

/** A kindergarten in the region with one place of `seats` free seats for `groupYear`. */
export async function buildPlace(db: Db, opts: { regionCode: string; groupYear: number; seats?: number }) {
  const [kg] = await db('kindergartens')
    .insert({ region_code: opts.regionCode, name_ru: 'Тестовый сад', name_kk: 'Сынақ бақшасы', kind: 'state', address: 'ул. Тестовая, 1' })
    .returning('id');
  const seats = opts.seats ?? 1;
  const [place] = await db('places')
    .insert({ kindergarten_id: kg.id, group_year: opts.groupYear, language: 'ru', place_type: 'general', total: seats, free: seats, released_on: '2026-11-24' })
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
  opts: { regionCode: string; childBirthDate?: string; benefitCategory?: BenefitCategory },
): Promise<Started> {
  const filing = await buildFiling(db, {
    registeredAt: await env.currentTimeMs(),
    regionCode: opts.regionCode,
    childBirthDate: opts.childBirthDate ?? '2022-06-15',
    benefitCategory: opts.benefitCategory,
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
  await waitForState(handle, (s) => s.status === 'turn_notified');
  return { offeredAt, windowEndsAt };
}

/** Reads until `ok` holds or 5 s pass, then returns the last reading: for effects that follow a signal. */
export async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The result of a workflow that finishes without waiting on time. `result()` long-polls, and while
 * it waits the test server skips time through every pending timer of every workflow (years, if
 * nothing else runs), so this polls until the run has closed and reads the result from its history.
 */
export async function finished<T>(handle: WorkflowHandle<(...args: any[]) => Promise<T>>): Promise<T> {
  await eventually(() => handle.describe(), (d) => d.status.name !== 'RUNNING');
  const history = await handle.fetchHistory();
  const completed = history.events?.at(-1)?.workflowExecutionCompletedEventAttributes;
  if (!completed) throw new Error(`${handle.workflowId} did not complete`);
  return defaultPayloadConverter.fromPayload(completed.result!.payloads![0]!) as T;
}

/** Signals are handled asynchronously: polls the workflow's state until `ok` holds (5 s at most). */
export const waitForState = (handle: WorkflowHandle<typeof applicationWorkflow>, ok: (state: ApplicationState) => boolean) =>
  eventually(() => handle.query(getStateQuery), ok);

/** The outbox rows of one kind of notice for an application, once they are there. */
export const noticesOf = (db: Db, number: string, kind: string, expected: number) =>
  eventually(() => db('notices').where({ application_number: number, kind }), (rows) => rows.length >= expected);

/** Offers one place and chooses it: the application then holds a referral. */
export async function issueReferral(env: TestWorkflowEnvironment, db: Db, started: Started, placeId: number) {
  await offerPlaces(env, db, started, [placeId]);
  return started.handle.executeUpdate(chooseKindergartenUpdate, {
    args: [{ requestId: randomUUID(), actorIin: started.filing.applicantIin, placeId }],
  });
}

export const request = (started: Started) => ({ requestId: randomUUID(), actorIin: started.filing.applicantIin });

/** Moves the test server's clock to `instant`. */
export async function skipTo(env: TestWorkflowEnvironment, instant: number): Promise<void> {
  const now = await env.currentTimeMs();
  if (instant > now) await env.sleep(instant - now);
}

export const events = (db: Db, number: string) => db('application_events').where({ application_number: number }).orderBy('seq');
export const causes = async (db: Db, number: string) => (await events(db, number)).map((e) => e.cause);
export const applicationRow = (db: Db, number: string) => db('applications').where({ number }).first();

export const randomSerial = () => randomInt(0, 10_000);

/** What a refused update rejects with: the workflow's typed failure as its cause. */
export const refusal = (type: string) => ({ cause: expect.objectContaining({ type }) });

/** A new application in a region of its own (or `regionCode`) holding a referral to a new place. */
export async function startWithReferral(env: TestWorkflowEnvironment, db: Db, regionCode?: string, childBirthDate?: string) {
  const region = regionCode ?? (await buildRegion(db));
  const started = await startApplication(env, db, { regionCode: region, childBirthDate });
  const { placeId, kindergartenId } = await buildPlace(db, { regionCode: region, groupYear: started.filing.groupYear });
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
