/**
 * The contract of R9.1 notice delivery: the dispatcher workflow's ID, task queue and input, and the
 * delivery activity it calls. The outbox itself is the `notices` table; see activities/notices.ts
 * (enqueue) and activities/notice-delivery.ts (delivery).
 */
import { APPLICATION_TASK_QUEUE } from './application';

/** One dispatcher per namespace: the worker starts it under this ID, and a second start is refused. */
export const NOTICE_DISPATCHER_WORKFLOW_ID = 'notice-dispatcher';

/** The workflow type, as clients that do not import the workflow's code start it. */
export const NOTICE_DISPATCHER_WORKFLOW_TYPE = 'noticeDispatcherWorkflow';

/** The dispatcher and its activity run on the application workers' queue. */
export const NOTICE_DISPATCHER_TASK_QUEUE = APPLICATION_TASK_QUEUE;

/** What one delivery activity did: counts, and when the next pending notice falls due. */
export interface DeliveryCounts {
  /** Rows claimed (each claim is an UPDATE … FOR UPDATE SKIP LOCKED). */
  claimed: number;
  sent: number;
  /** Transient failures put back with a later next_attempt_at. */
  retried: number;
  /** Permanent failures, and transient ones past the attempt limit. */
  failed: number;
  /** Claimed rows let go unsent because their lease ran short (another claim sends them). */
  released: number;
}

export interface DeliveryRequest {
  /** Rows claimed at once. */
  batchSize: number;
  /** Who claims, recorded in claimed_by (with a per-claim suffix) for operators. */
  workerId: string;
  /** Keep claiming batches this long (real ms); the worker's NOTICE_TIME_BUDGET_MS when absent. */
  timeBudgetMs?: number;
}

export interface DeliveryResult extends DeliveryCounts {
  /** True when the time budget ended the run with notices still due: call again without waiting. */
  budgetSpent: boolean;
  /** The earliest next_attempt_at of a pending notice no one holds (ISO 8601), or null when none waits. */
  nextDueAt: string | null;
}

/** The delivery activity, as the dispatcher workflow calls it. */
export interface NoticeDeliveryActivities {
  deliverDueNotices(req: DeliveryRequest): Promise<DeliveryResult>;
}

/** The dispatcher's settings (the worker passes them from its configuration) and its running totals. */
export interface NoticeDispatcherInput {
  /** How long to sleep when nothing is due (NOTICE_POLL_INTERVAL_MS). */
  pollIntervalMs: number;
  batchSize: number;
  /** Per activity call (NOTICE_TIME_BUDGET_MS). */
  timeBudgetMs: number;
  /** Loop iterations before the run continues as new (NOTICE_DISPATCHER_ITERATIONS). */
  iterationsPerRun: number;
  /** Carried across continue-as-new. */
  totals?: DeliveryCounts;
}
