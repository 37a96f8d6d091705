import type { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Db } from '../../db/connection';
import { hours } from '../../domain/almaty-time';
import { APPLICATION_TASK_QUEUE, recomputeDeadlinesSignal } from '../../contracts/application';
import { correctStopListsWorkflow } from '../../workflows/corrections';
import { createApplicationWorker } from '../../worker/worker';
import { testDb } from '../helpers/db';
import { buildPlace, buildRegion, causes, events, finished, issueReferral, skipTo, startApplication, waitForState } from '../helpers/lifecycle';
import { createTimeSkippingEnv, uniqueId } from '../helpers/temporal';

// Instants at 24:00 Asia/Almaty (UTC+5) at the end of a day, and 09:00 on a day.
const endOf = (day: string) => Date.parse(`${day}T00:00:00+05:00`) + hours(24);
const nineOn = (day: string) => Date.parse(`${day}T09:00:00+05:00`);

let env: TestWorkflowEnvironment;
let db: Db;
let worker: Worker | undefined;
let running: Promise<void> | undefined;

/**
 * A worker of today's code. `before: true` leaves the boundary fix's patch inactive for every run it
 * starts, so a stop-list is started as the code before the fix started it; every later patch (the
 * correction) is active, as when the fixed code is deployed under a running stop-list. One worker
 * throughout: the time-skipping server never moves a cached run's tasks off a stopped worker.
 */
async function startWorker(opts: { before?: boolean } = {}) {
  worker = await createApplicationWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    db,
    temporal: env.client,
    workflowBundle: { codePath: process.env.WORKFLOW_BUNDLE_PATH! },
    ...(opts.before ? { patchActivationCallback: ({ patchId }) => patchId !== 'stop-list-counts-after-expiry-day' } : {}),
  });
  running = worker.run();
}
async function stopWorker() {
  worker?.shutdown();
  await running;
  worker = undefined;
}

beforeAll(async () => {
  db = testDb();
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await stopWorker();
  await env?.teardown();
  await db?.destroy();
});
afterEach(stopWorker);

async function referralOn(day: string) {
  const regionCode = await buildRegion(db);
  await skipTo(env, nineOn(day));
  const started = await startApplication(env, db, { regionCode });
  const { placeId } = await buildPlace(db, { regionCode, groupYear: started.filing.groupYear });
  const state = await issueReferral(env, db, started, placeId);
  return { started, deadline: Date.parse(state.deadlines.referralDeadline!) };
}

const stopListUntil = async (number: string) => (await db('applications').where({ number }).first('stop_list_until')).stop_list_until?.getTime();

describe('R5.3 the stop-list after an annulled referral', () => {
  it('R5.2 R5.3 a referral issued Mon 5 April 2027 is annulled at 24:00 Mon 12 April, and the stop-list covers the 10 working days 13–26 April, ending at 24:00 Mon 26 April', async () => {
    await startWorker();
    const { started, deadline } = await referralOn('2027-04-05');
    expect(new Date(deadline).toISOString()).toBe(new Date(endOf('2027-04-12')).toISOString());

    await skipTo(env, deadline + hours(1));
    const annulled = await waitForState(started.handle, (s) => s.statusCause === 'referral_annulled');
    expect(annulled.deadlines.stopListUntil).toBe(new Date(endOf('2027-04-26')).toISOString());
    expect(await stopListUntil(started.filing.number)).toBe(endOf('2027-04-26'));

    // A calendar recompute does not move it: it is counted right already.
    await started.handle.signal(recomputeDeadlinesSignal);
    await skipTo(env, endOf('2027-04-26') - hours(1));
    expect((await waitForState(started.handle, (s) => s.status === 'queued')).deadlines.stopListUntil).toBe(new Date(endOf('2027-04-26')).toISOString());
    await skipTo(env, endOf('2027-04-26') + hours(1));
    await waitForState(started.handle, (s) => s.statusCause === 'stop_list_ended');
    expect(await causes(db, started.filing.number)).toEqual(['filed', 'turn_arrived', 'referral_issued', 'referral_annulled', 'stop_list_ended']);
    await started.handle.terminate('done');
  });

  it('R5.3 a stop-list started by the code before the fix (ending Tue 29 June 2027, one working day late) is corrected to Mon 28 June by the one-off correction run; running it again changes nothing', async () => {
    await startWorker({ before: true });
    const { started, deadline } = await referralOn('2027-06-07');
    expect(deadline).toBe(endOf('2027-06-14'));
    await skipTo(env, deadline + hours(1));
    const legacy = await waitForState(started.handle, (s) => s.statusCause === 'referral_annulled');
    expect(legacy.deadlines.stopListUntil).toBe(new Date(endOf('2027-06-29')).toISOString()); // the old count, from 15 June

    // The correction run signals every application on a stop-list.
    await skipTo(env, nineOn('2027-06-21'));
    const run = () =>
      env.client.workflow.start(correctStopListsWorkflow, { workflowId: uniqueId('correction'), taskQueue: APPLICATION_TASK_QUEUE, args: [{}] });
    const first = await finished(await run());
    expect(first.signalled).toBeGreaterThanOrEqual(1);
    const corrected = await waitForState(started.handle, (s) => s.statusCause === 'stop_list_corrected');
    expect(corrected.deadlines.stopListUntil).toBe(new Date(endOf('2027-06-28')).toISOString());
    expect(await stopListUntil(started.filing.number)).toBe(endOf('2027-06-28'));
    const history = await events(db, started.filing.number);
    expect(history.at(-1)).toMatchObject({ cause: 'stop_list_corrected', details: { from: new Date(endOf('2027-06-29')).toISOString(), to: new Date(endOf('2027-06-28')).toISOString() } });

    await finished(await run());
    await started.handle.query('getState');
    expect((await causes(db, started.filing.number)).filter((c) => c === 'stop_list_corrected')).toHaveLength(1);

    await skipTo(env, endOf('2027-06-28') + hours(1));
    await waitForState(started.handle, (s) => s.statusCause === 'stop_list_ended');
    expect((await events(db, started.filing.number)).at(-1).at.getTime()).toBeLessThan(endOf('2027-06-29'));
    await started.handle.terminate('done');
  });
});

// The histories recorded before the fix, and those of the paths it added, replay in replay.test.ts.
