/**
 * Not a test: the worker tests/ops/logging.test.ts runs in a child process, as worker/main.ts starts
 * one — Runtime installed first with the process's logger, the workflows bundled once — on a task
 * queue of its own (argv[2]), so no other test's workflow reaches it. The Runtime can be installed
 * once per process, and jest's process has one already. Stops on SIGTERM (the SDK's shutdown signals).
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../../config';
import { createDb } from '../../db/connection';
import { createLogger } from '../../telemetry/log';
import { requestIdClientInterceptor } from '../../telemetry/request-id';
import { bundleWorkflows } from '../../worker/bundle';
import { installRuntime } from '../../worker/runtime';
import { createApplicationWorker } from '../../worker/worker';

async function main(): Promise<void> {
  const taskQueue = process.argv[2];
  if (!taskQueue) throw new Error('usage: logging-worker.ts <task queue>');
  const config = loadConfig();
  const log = createLogger({ name: 'worker', level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  installRuntime(config, log);
  const db = createDb(config.DATABASE_URL, 2);
  const clientConnection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const temporal = new Client({ connection: clientConnection, interceptors: { workflow: [requestIdClientInterceptor] } });
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const workflowBundle = await bundleWorkflows(log, { tracing: false });
  const worker = await createApplicationWorker({ connection, namespace: 'default', taskQueue, db, temporal, workflowBundle });
  log.info({ taskQueue }, 'test worker polling');
  try {
    await worker.run();
  } finally {
    await connection.close();
    await clientConnection.close();
    await db.destroy();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
