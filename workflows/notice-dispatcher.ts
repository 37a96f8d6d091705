import { continueAsNew, proxyActivities } from '@temporalio/workflow';
import type { DeliveryCounts, NoticeDeliveryActivities, NoticeDispatcherInput } from '../contracts/notices';
import { drainOutbox } from './outbox-drain';

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

/**
 * R9.1: drains the notices outbox (DESIGN.md "Notices"; the loop in workflows/outbox-drain.ts),
 * continuing as new with its running totals so its history stays small.
 */
export async function noticeDispatcherWorkflow(input: NoticeDispatcherInput): Promise<never> {
  const totals = await drainOutbox(input, NO_COUNTS, 'notices delivered', deliverDueNotices);
  return continueAsNew<typeof noticeDispatcherWorkflow>({ ...input, totals });
}
