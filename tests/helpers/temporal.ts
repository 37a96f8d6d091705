import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, DefaultLogger, type Worker } from '@temporalio/worker';
import type { Db } from '../../db/connection';
import { registerSearchAttributes } from '../../worker/search-attributes';
import { testDb } from './db';
import { createApplicationWorker } from '../../worker/worker';

let runtimeInstalled = false;
/** Keeps the SDK's INFO lines out of test output; warnings and errors still show. */
function quietRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger('WARN') });
  runtimeInstalled = true;
}

/** A time-skipping environment on the project's own test server, with the search attributes. */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const path = process.env.TEMPORAL_TEST_SERVER_PATH;
  if (!path) throw new Error('TEMPORAL_TEST_SERVER_PATH is not set: run the tests through jest');
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } });
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

/** A worker with the real activities on `db`, running the bundle built once for this run. */
export function createTestWorker(env: TestWorkflowEnvironment, db: Db, opts: { maxCachedWorkflows?: number } = {}): Promise<Worker> {
  const codePath = process.env.WORKFLOW_BUNDLE_PATH;
  if (!codePath) throw new Error('WORKFLOW_BUNDLE_PATH is not set: run the tests through jest');
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
export function useWorkflowSuite(opts: { maxCachedWorkflows?: number } = {}): WorkflowSuite {
  const suite = {} as WorkflowSuite;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  const startWorker = async () => {
    worker = await createTestWorker(suite.env, suite.db, opts);
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
    suite.env = await createTimeSkippingEnv();
    await startWorker();
  });
  afterAll(async () => {
    await stopWorker();
    await suite.env?.teardown();
    await suite.db?.destroy();
  });
  return suite;
}
