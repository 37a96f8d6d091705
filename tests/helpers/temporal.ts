import { randomUUID } from 'node:crypto';
import { WorkflowUpdateStage, type Connection, type WorkflowClientInterceptor } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, DefaultLogger, type Worker } from '@temporalio/worker';
import type { Db } from '../../db/connection';
import { registerSearchAttributes } from '../../worker/search-attributes';
import { testDb } from './db';
import { createApplicationWorker } from '../../worker/worker';
import type { Tracing } from '../../telemetry/tracing';
import { withinCalls } from './waits';

let runtimeInstalled = false;
/** Keeps the SDK's INFO lines out of test output; warnings and errors still show. */
function quietRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger('WARN') });
  runtimeInstalled = true;
}

/** How long (real time) a test's update or query may take to answer before it fails. */
export const UPDATE_MS = 10_000;

const COMPLETED = temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED;

/**
 * Bounds every update and query sent through the client: one that no worker takes up, or whose
 * handler never returns, fails after `timeoutMs` naming the message and the workflow, and its calls
 * are cancelled — instead of holding the test until jest's timeout and the environment's teardown.
 */
function boundedCalls(server: () => { connection: Connection; namespace?: string }, timeoutMs: number): WorkflowClientInterceptor {
  return {
    async startUpdate(input, next) {
      const { connection, namespace = 'default' } = server();
      const { workflowId } = input.workflowExecution;
      return withinCalls(connection, timeoutMs, `${input.updateName} on ${workflowId}`, 'an answer', async () => {
        const started = await next(input);
        // executeUpdate waits for the outcome; the SDK would poll for it without a bound.
        const stage = (input as { waitForStage?: WorkflowUpdateStage }).waitForStage;
        if (started.outcome || stage !== WorkflowUpdateStage.COMPLETED) return started;
        for (;;) {
          const { outcome } = await connection.workflowService.pollWorkflowExecutionUpdate({
            namespace,
            updateRef: { workflowExecution: { workflowId, runId: started.workflowRunId }, updateId: started.updateId },
            waitPolicy: { lifecycleStage: COMPLETED },
          });
          if (outcome) return { ...started, outcome };
        }
      });
    },
    async query(input, next) {
      const what = `${input.queryType} on ${input.workflowExecution.workflowId}`;
      return withinCalls(server().connection, timeoutMs, what, 'an answer', () => next(input));
    },
  };
}

/**
 * A time-skipping environment on the project's own test server, with the search attributes. Every
 * update and query its client sends answers within `updateTimeoutMs` or fails saying which.
 */
export async function createTimeSkippingEnv(opts: { updateTimeoutMs?: number } = {}): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const path = process.env.TEMPORAL_TEST_SERVER_PATH;
  if (!path) throw new Error('TEMPORAL_TEST_SERVER_PATH is not set: run the tests through jest');
  let env: TestWorkflowEnvironment | undefined;
  const bound = boundedCalls(() => env!, opts.updateTimeoutMs ?? UPDATE_MS);
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path } },
    client: { interceptors: { workflow: [bound] } },
  });
  await registerSearchAttributes(env.connection, env.namespace ?? 'default');
  return env;
}

/** An environment on the run's dev server (started by global-setup.mjs). */
export async function createDevServerEnv(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const env = await TestWorkflowEnvironment.createFromExistingServer({ address: process.env.TEMPORAL_ADDRESS });
  await registerSearchAttributes(env.connection, 'default');
  return env;
}

/**
 * A worker with the real activities on `db`, running the bundle built once for this run; with
 * `tracing`, the bundle that carries the tracing interceptors (global-setup.mjs builds both).
 */
export function createTestWorker(env: TestWorkflowEnvironment, db: Db, opts: { maxCachedWorkflows?: number; tracing?: Tracing } = {}): Promise<Worker> {
  const bundleVar = opts.tracing ? 'WORKFLOW_BUNDLE_TRACED_PATH' : 'WORKFLOW_BUNDLE_PATH';
  const codePath = process.env[bundleVar];
  if (!codePath) throw new Error(`${bundleVar} is not set: run the tests through jest`);
  return createApplicationWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    db,
    temporal: env.client,
    workflowBundle: { codePath },
    ...opts,
  });
}

export const uniqueId = (prefix: string): string => `${prefix}-${randomUUID()}`;

export interface WorkflowSuite {
  env: TestWorkflowEnvironment;
  db: Db;
  /** Shuts the worker down (in-flight tasks finish) and starts a fresh one, as after a crash or deploy. */
  restartWorker(): Promise<void>;
}

/**
 * Registers jest hooks for a file of workflow tests: one time-skipping server, a real PostgreSQL,
 * and a worker with the real activities. Read the fields inside tests, not at module load.
 */
export function useWorkflowSuite(opts: { maxCachedWorkflows?: number; updateTimeoutMs?: number } = {}): WorkflowSuite {
  const suite = {} as WorkflowSuite;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  const startWorker = async () => {
    worker = await createTestWorker(suite.env, suite.db, { maxCachedWorkflows: opts.maxCachedWorkflows });
    running = worker.run();
  };
  const stopWorker = async () => {
    worker?.shutdown();
    await running;
    worker = undefined;
  };
  suite.restartWorker = async () => {
    await stopWorker();
    await startWorker();
  };
  beforeAll(async () => {
    suite.db = testDb();
    suite.env = await createTimeSkippingEnv({ updateTimeoutMs: opts.updateTimeoutMs });
    await startWorker();
  });
  afterAll(async () => {
    await stopWorker();
    await suite.env?.teardown();
    await suite.db?.destroy();
  });
  return suite;
}
