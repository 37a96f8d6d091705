import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDependencies } from '../activities';
import { APPLICATION_TASK_QUEUE } from '../contracts/application';

export interface ApplicationWorkerOptions extends ActivityDependencies {
  connection: NativeConnection;
  namespace: string;
  taskQueue?: string;
  /** A prebuilt bundle (tests build one per run); otherwise the worker bundles workflows/. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  maxCachedWorkflows?: number;
  /** Tests leave a patch inactive to run a workflow as the code before that patch ran it. */
  patchActivationCallback?: WorkerOptions['patchActivationCallback'];
}

/** The one way this project builds a worker, for the worker process and for tests alike. */
export function createApplicationWorker(opts: ApplicationWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue ?? APPLICATION_TASK_QUEUE,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: require.resolve('../workflows') }),
    activities: createActivities({ db: opts.db, temporal: opts.temporal, delivery: opts.delivery }),
    maxCachedWorkflows: opts.maxCachedWorkflows,
    patchActivationCallback: opts.patchActivationCallback,
  });
}
