import { Worker } from '@temporalio/worker';
import type { Config } from '../config';
import { createDocumentRenderActivities, type DocumentRenderSettings } from '../activities/documents/dispatch';
import { withIntegrityFailures } from '../activities/integrity';
import {
  DOCUMENT_DISPATCHER_WORKFLOW_ID,
  DOCUMENT_DISPATCHER_WORKFLOW_TYPE,
  DOCUMENT_TASK_QUEUE,
  type DocumentDispatcherInput,
} from '../contracts/documents';
import type { DocumentRenderer } from '../domain/documents';
import { dispatcherSettings, dispatcherStarter } from './start-once';
import { workerInterceptors, type ApplicationWorkerOptions } from './worker';

/** As the application worker's (a prebuilt bundle, or else only the dispatcher workflow bundled), with the renderer. */
export interface DocumentWorkerOptions extends Pick<ApplicationWorkerOptions, 'connection' | 'namespace' | 'db' | 'taskQueue' | 'workflowBundle' | 'shutdownGraceTime' | 'tracing'> {
  /** One per process, created by the caller and closed by it after the worker stops. */
  renderer: DocumentRenderer;
  settings: DocumentRenderSettings;
}

/**
 * R9.2: the second worker of the worker process, on the task queue `documents`: the document
 * dispatcher workflow and its render activity, nothing else, so a slow render never holds a slot an
 * application's deadline or an offer wave needs. One activity at a time: a process renders at most
 * DOCUMENT_RENDER_CONCURRENCY documents at once.
 */
export function createDocumentWorker(opts: DocumentWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue ?? DOCUMENT_TASK_QUEUE,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: require.resolve('../workflows/document-dispatcher') }),
    activities: withIntegrityFailures({ ...createDocumentRenderActivities({ db: opts.db, renderer: opts.renderer, settings: opts.settings }) }),
    ...workerInterceptors(opts),
    maxConcurrentActivityTaskExecutions: 1,
    maxCachedWorkflows: 10,
    ...(opts.shutdownGraceTime === undefined ? {} : { shutdownGraceTime: opts.shutdownGraceTime }),
  });
}

/** The dispatcher's input from the worker's configuration. */
export const documentDispatcherInput = (c: Config): DocumentDispatcherInput => dispatcherSettings(c, 'DOCUMENT');

/** Starts the document dispatcher unless one runs (worker/start-once.ts); whether this call started it. */
export const startDocumentDispatcher = dispatcherStarter(DOCUMENT_DISPATCHER_WORKFLOW_TYPE, DOCUMENT_DISPATCHER_WORKFLOW_ID, DOCUMENT_TASK_QUEUE);
