import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../config';
import { createDb } from '../db/connection';
import { createNoticeSenders } from '../activities/delivery';
import { deliverySettings } from '../activities/notice-delivery';
import { renderNotice } from '../templates/notices';
import { startCorrections } from './corrections';
import { dispatcherInput, startNoticeDispatcher } from './notice-dispatcher';
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
  const senders = createNoticeSenders(config);
  console.log(`notices: ${senders.description}`);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const worker = await createApplicationWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    db,
    temporal,
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
    delivery: { renderNotice, email: senders.email, sms: senders.sms, settings: deliverySettings(config) },
  });
  // R9.1: one dispatcher drains the outbox; the first worker to start starts it.
  if (config.NOTICE_DISPATCHER && (await startNoticeDispatcher(temporal, dispatcherInput(config)))) console.log('notice dispatcher started');
  console.log(`worker polling task queue on ${config.TEMPORAL_ADDRESS}`);
  try {
    await worker.run(); // returns after SIGINT/SIGTERM, once in-flight tasks finish
  } finally {
    senders.close();
    await connection.close();
    await clientConnection.close();
    await db.destroy();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
