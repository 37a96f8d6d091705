import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Config } from '../config';
import {
  NOTICE_DISPATCHER_TASK_QUEUE,
  NOTICE_DISPATCHER_WORKFLOW_ID,
  NOTICE_DISPATCHER_WORKFLOW_TYPE,
  type NoticeDispatcherInput,
} from '../contracts/notices';

/** The dispatcher's input from the worker's configuration. */
export const dispatcherInput = (c: Config): NoticeDispatcherInput => ({
  pollIntervalMs: c.NOTICE_POLL_INTERVAL_MS,
  batchSize: c.NOTICE_BATCH_SIZE,
  timeBudgetMs: c.NOTICE_TIME_BUDGET_MS,
  iterationsPerRun: c.NOTICE_DISPATCHER_ITERATIONS,
});

/**
 * Starts the notice dispatcher unless one runs: every worker calls this at start, the first one
 * starts it, the others find it running. One that ended (terminated by an operator, failed) is
 * started again. Settings changed since the running one started apply when it is next started.
 * Returns whether this call started it.
 */
export async function startNoticeDispatcher(
  temporal: Client,
  input: NoticeDispatcherInput,
  opts: { workflowId?: string; taskQueue?: string } = {},
): Promise<boolean> {
  try {
    await temporal.workflow.start(NOTICE_DISPATCHER_WORKFLOW_TYPE, {
      workflowId: opts.workflowId ?? NOTICE_DISPATCHER_WORKFLOW_ID,
      taskQueue: opts.taskQueue ?? NOTICE_DISPATCHER_TASK_QUEUE,
      args: [input],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    });
    return true;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw err;
  }
}
