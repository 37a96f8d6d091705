import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../config';
import { createDb } from '../db/connection';
import { startCorrections } from './corrections';
import { ensureDailySchedules } from '../schedules/daily-runs';
import { registerSearchAttributes } from './search-attributes';
import { createApplicationWorker } from './worker';

async function main(): Promise<void> {
  const config = loadConfig();
  const db = createDb(config.DATABASE_URL, config.DATABASE_POOL_MAX);
  const clientConnection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const temporal = new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE });
  if (config.REGISTER_SEARCH_ATTRIBUTES) await registerSearchAttributes(clientConnection, config.TEMPORAL_NAMESPACE);
  if (config.CREATE_SCHEDULES) {
    const ids = await ensureDailySchedules(temporal, db);
    console.log(`schedules ready: ${ids.join(', ')}`);
  }
  const corrections = await startCorrections(temporal);
  if (corrections.length) console.log(`corrections started: ${corrections.join(', ')}`);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const worker = await createApplicationWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    db,
    temporal,
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
  });
  console.log(`worker polling task queue on ${config.TEMPORAL_ADDRESS}`);
  try {
    await worker.run(); // returns after SIGINT/SIGTERM, once in-flight tasks finish
  } finally {
    await connection.close();
    await clientConnection.close();
    await db.destroy();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
