import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Config } from '../config';

/**
 * Starts a workflow that runs once per namespace (a dispatcher) unless it runs already: every worker
 * calls this at start, the first one starts it, the others find it running. One that ended
 * (terminated by an operator, failed) is started again. Settings changed since the running one
 * started apply when it is next started. Returns whether this call started it.
 */
async function startUnlessRunning(temporal: Client, workflowType: string, opts: { workflowId: string; taskQueue: string; args: unknown[] }): Promise<boolean> {
  try {
    await temporal.workflow.start(workflowType, { ...opts, workflowIdReusePolicy: 'ALLOW_DUPLICATE' });
    return true;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw err;
  }
}

/** What a dispatcher (of notices, of documents) is started with, besides its running totals. */
export interface DispatcherInput {
  pollIntervalMs: number;
  batchSize: number;
  timeBudgetMs: number;
  iterationsPerRun: number;
}

/** A dispatcher's input from the configuration: `<PREFIX>_POLL_INTERVAL_MS`, `_BATCH_SIZE`, `_TIME_BUDGET_MS`, `_DISPATCHER_ITERATIONS`. */
export const dispatcherSettings = (c: Config, prefix: 'NOTICE' | 'DOCUMENT'): DispatcherInput => ({
  pollIntervalMs: c[`${prefix}_POLL_INTERVAL_MS`],
  batchSize: c[`${prefix}_BATCH_SIZE`],
  timeBudgetMs: c[`${prefix}_TIME_BUDGET_MS`],
  iterationsPerRun: c[`${prefix}_DISPATCHER_ITERATIONS`],
});

/**
 * The starter of a dispatcher: under its ID on its task queue unless told others (tests run several);
 * whether this call started it (startUnlessRunning).
 */
export const dispatcherStarter =
  (workflowType: string, workflowId: string, taskQueue: string) =>
  (temporal: Client, input: DispatcherInput, opts: { workflowId?: string; taskQueue?: string } = {}): Promise<boolean> =>
    startUnlessRunning(temporal, workflowType, { workflowId: opts.workflowId ?? workflowId, taskQueue: opts.taskQueue ?? taskQueue, args: [input] });
