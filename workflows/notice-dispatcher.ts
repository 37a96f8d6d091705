import { ApplicationFailure, continueAsNew, log, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { DeliveryCounts, NoticeDeliveryActivities, NoticeDispatcherInput } from '../contracts/notices';

/**
 * One call delivers for up to its time budget (NOTICE_TIME_BUDGET_MS, at most 2 minutes) and then
 * finishes the batch in hand within its lease (NOTICE_LEASE_MS, at most 5 minutes); it heartbeats
 * after every notice, so a worker that dies is noticed within the heartbeat timeout and its rows
 * come back when their lease ends.
 */
const { deliverDueNotices } = proxyActivities<NoticeDeliveryActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});

const NO_COUNTS: DeliveryCounts = { claimed: 0, sent: 0, retried: 0, failed: 0, released: 0 };

function setup(input: NoticeDispatcherInput): void {
  const positive = ['pollIntervalMs', 'batchSize', 'timeBudgetMs', 'iterationsPerRun'] as const;
  const bad = positive.filter((k) => !(Number.isFinite(input[k]) && input[k] > 0));
  if (bad.length) throw ApplicationFailure.nonRetryable(`the dispatcher's ${bad.join(', ')} must be positive numbers`, 'INVALID_INPUT');
}

/**
 * R9.1: drains the notices outbox (DESIGN.md "Notices"): calls the delivery activity, calls it
 * again at once while its time budget ran out with notices still due, and otherwise sleeps the poll
 * interval; after `iterationsPerRun` turns (or when the server suggests it) it continues as new with
 * its running totals, so its history stays small. Several dispatchers may run at once: the
 * activity's claims keep them from sending a notice twice.
 */
export async function noticeDispatcherWorkflow(input: NoticeDispatcherInput): Promise<never> {
  setup(input);
  const totals: DeliveryCounts = { ...NO_COUNTS, ...input.totals };
  for (let i = 0; i < input.iterationsPerRun && !workflowInfo().continueAsNewSuggested; i++) {
    const result = await deliverDueNotices({ batchSize: input.batchSize, workerId: workflowInfo().workflowId, timeBudgetMs: input.timeBudgetMs });
    for (const key of Object.keys(NO_COUNTS) as (keyof DeliveryCounts)[]) totals[key] += result[key];
    if (result.claimed > 0) log.info('notices delivered', { ...result });
    if (!result.budgetSpent) await sleep(input.pollIntervalMs);
  }
  return continueAsNew<typeof noticeDispatcherWorkflow>({ ...input, totals });
}
