import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDependencies } from '../activities';
import { APPLICATION_TASK_QUEUE } from '../contracts/application';
import type { Tracing } from '../telemetry/tracing';
import { tracedActivities, workflowSpanSinks } from '../telemetry/temporal-tracing';
import { workflowBundleOptions } from './interceptor-modules';
import { requestIdActivityInterceptor } from '../telemetry/request-id';

export interface ApplicationWorkerOptions extends ActivityDependencies {
  connection: NativeConnection;
  namespace: string;
  taskQueue?: string;
  /**
   * A prebuilt bundle (tests build one per run); otherwise the worker bundles workflows/. Built
   * with `workflowInterceptorModules({ tracing })` for the same `tracing` as this worker's.
   */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** The process's tracing (telemetry/tracing.ts): activity spans, and the sink for the workflows' spans. */
  tracing?: Tracing;
  maxCachedWorkflows?: number;
  /** Workflow-task polls kept open (WORKER_WORKFLOW_TASK_POLLS); the SDK's 10 when absent. */
  workflowTaskPolls?: number;
  /** Tests leave a patch inactive to run a workflow as the code before that patch ran it. */
  patchActivationCallback?: WorkerOptions['patchActivationCallback'];
  /** On SIGTERM, how long running activities get to finish before they are cancelled (SHUTDOWN_GRACE_SECONDS). */
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
}

/** The one way this project builds a worker, for the worker process and for tests alike. */
export function createApplicationWorker(opts: ApplicationWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue ?? APPLICATION_TASK_QUEUE,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: require.resolve('../workflows') }),
    activities: createActivities({ db: opts.db, temporal: opts.temporal, delivery: opts.delivery }),
    ...workerInterceptors(opts),
    maxCachedWorkflows: opts.maxCachedWorkflows,
    // A new workflow's first task (a filing's) waits on the task queue, not a worker's sticky queue;
    // at the SDK's ratio (0.2) two of ten polls were there, and a burst of filings queued for them.
    ...(opts.workflowTaskPolls === undefined
      ? {}
      : { workflowTaskPollerBehavior: { type: 'simple-maximum', maximum: opts.workflowTaskPolls }, nonStickyToStickyPollRatio: 0.5 }),
    patchActivationCallback: opts.patchActivationCallback,
    // The SDK takes an absent key as its default (0) but an undefined one as an invalid duration.
    ...(opts.shutdownGraceTime === undefined ? {} : { shutdownGraceTime: opts.shutdownGraceTime }),
  });
}

/**
 * A worker's interceptors and sinks: the workflow interceptor modules (preloaded, see
 * WORKFLOW_PRELOAD_MODULES) when it bundles the workflow code itself, the request ID on activity log
 * lines, and tracing's (none when the process does not trace).
 */
export function workerInterceptors(
  opts: Pick<ApplicationWorkerOptions, 'tracing' | 'workflowBundle'>,
): Pick<WorkerOptions, 'interceptors' | 'sinks' | 'bundlerOptions'> {
  const activity = [requestIdActivityInterceptor, ...tracedActivities(opts.tracing)];
  const sinks = { ...workflowSpanSinks(opts.tracing) };
  // A prebuilt bundle already carries its interceptor and preloaded modules; the SDK would only warn.
  if (opts.workflowBundle) return { interceptors: { activity }, sinks };
  const { workflowInterceptorModules, preloadModules } = workflowBundleOptions({ tracing: Boolean(opts.tracing) });
  return { interceptors: { activity, workflowModules: workflowInterceptorModules }, bundlerOptions: { preloadModules }, sinks };
}
