import type { NoticeDispatcherInput } from '../../contracts/notices';
import type { noticeDispatcherWorkflow } from '../../workflows/notice-dispatcher';
import { startNoticeDispatcher } from '../../worker/notice-dispatcher';
import { uniqueId } from '../helpers/temporal';
import { currentRun, eventually, terminateWhenIdle } from '../helpers/lifecycle';
import { noticeRows, queueNotices, useNoticeStack } from './helpers';

/** Fast enough to watch in real time: the dispatcher's timers run on the test server's clock. */
const INPUT: NoticeDispatcherInput = { pollIntervalMs: 200, batchSize: 10, timeBudgetMs: 2000, iterationsPerRun: 50 };

describe('R9.1 the notice dispatcher workflow (time-skipping server, real PostgreSQL, real SMTP)', () => {
  /** Two workers, each on a task queue of its own, as two worker processes would be. */
  const stack = useNoticeStack({ queues: () => ['a', 'b'].map((name) => uniqueId(`notices-${name}`)) });

  const start = async (taskQueue: string, input: NoticeDispatcherInput = INPUT) => {
    const workflowId = uniqueId('notice-dispatcher');
    expect(await startNoticeDispatcher(stack.env.client, input, { workflowId, taskQueue })).toBe(true);
    return stack.env.client.workflow.getHandle<typeof noticeDispatcherWorkflow>(workflowId);
  };

  const allSent = (ids: string[]) =>
    eventually(() => noticeRows(stack.db, ids), (rows) => rows.every((r) => r.state === 'sent'), { expect: `${ids.length} notices sent`, timeoutMs: 15_000 });

  it('R9.1 delivers the queued notices, and those queued while it sleeps, by e-mail and SMS', async () => {
    const handle = await start(stack.workers[0]!.taskQueue);
    const before = { mail: stack.smtp.received.length, sms: stack.sms.requests.length };
    const first = await queueNotices(stack.db, [{}, { channel: 'sms' }, { language: 'kk' }]);
    await allSent(first.map((q) => q.id));
    const later = await queueNotices(stack.db, [{}, { channel: 'sms' }]);
    await allSent(later.map((q) => q.id));
    expect(stack.smtp.received.length - before.mail).toBe(3);
    expect(stack.sms.requests.length - before.sms).toBe(2);
    await terminateWhenIdle(handle);
  });

  it('R9.1 is started once: a second start under the same workflow ID is refused, and the running one goes on', async () => {
    const handle = await start(stack.workers[0]!.taskQueue);
    expect(await startNoticeDispatcher(stack.env.client, INPUT, { workflowId: handle.workflowId, taskQueue: stack.workers[0]!.taskQueue })).toBe(false);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await terminateWhenIdle(handle);
  });

  it('R9.1 two dispatchers on two workers at once deliver every notice exactly once', async () => {
    const handles = [await start(stack.workers[0]!.taskQueue), await start(stack.workers[1]!.taskQueue)];
    const before = stack.smtp.received.length;
    const queued = [];
    for (let burst = 0; burst < 5; burst++) {
      queued.push(...(await queueNotices(stack.db, Array.from({ length: 40 }, () => ({})))));
      await new Promise((r) => setTimeout(r, 150));
    }
    await allSent(queued.map((q) => q.id));
    const ids = stack.smtp.received.slice(before).map((m) => m.messageId);
    expect(ids).toHaveLength(200);
    expect(new Set(ids).size).toBe(200);
    const rows = await noticeRows(stack.db, queued.map((q) => q.id));
    expect(rows.every((r) => r.attempts === 1)).toBe(true);
    // Both took part: the claims name the dispatcher that made them.
    const claimers = new Set(rows.map((r) => String(r.claimed_by).split('/')[0]));
    expect(claimers).toEqual(new Set(handles.map((h) => h.workflowId)));
    for (const h of handles) await terminateWhenIdle(h);
  });

  it('R9.1 continues as new after its iterations, carrying its totals', async () => {
    const handle = await start(stack.workers[1]!.taskQueue, { ...INPUT, pollIntervalMs: 100, iterationsPerRun: 2 });
    const firstRunId = (await handle.describe()).runId;
    const queued = await queueNotices(stack.db, [{}, {}]);
    await allSent(queued.map((q) => q.id));
    const continued = await eventually(
      () => stack.env.client.workflow.getHandle(handle.workflowId, firstRunId).fetchHistory(),
      (h) => Boolean(h.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes),
      'the first run continued as new',
    );
    expect(continued.events!.filter((e) => e.activityTaskScheduledEventAttributes)).toHaveLength(2);
    // A later run starts with the totals of the runs before it: the two notices it sent.
    const later = await eventually(() => currentRun<NoticeDispatcherInput>(handle), (s) => s.runId !== firstRunId && (s.input.totals?.sent ?? 0) >= 2, 'a later run whose totals count the two sent');
    expect(later.input.totals).toMatchObject({ sent: 2, failed: 0 });
    await terminateWhenIdle(handle);
  });
});
