import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig, type Config } from '../config';
import type { DocumentRenderer } from '../domain/documents';
import { createDb } from '../db/connection';
import { createNoticeSenders } from '../activities/delivery';
import { deliverySettings } from '../activities/notice-delivery';
import { renderSettings } from '../activities/documents/dispatch';
import { createChromiumRenderer } from '../activities/documents/renderer';
import { renderNotice } from '../templates/notices';
import { startCorrections } from './corrections';
import { createDocumentWorker, documentDispatcherInput, startDocumentDispatcher } from './documents';
import { dispatcherInput, startNoticeDispatcher } from './notice-dispatcher';
import { ensureDailySchedules } from '../schedules/daily-runs';
import { registerSearchAttributes } from './search-attributes';
import { createApplicationWorker } from './worker';

/**
 * The process's one renderer. Without Chromium the worker still runs the lifecycles — documents wait,
 * `rendering`, for a worker that can render them — and says so.
 */
function documentRenderer(config: Config): DocumentRenderer | undefined {
  try {
    return createChromiumRenderer({ timeoutMs: config.DOCUMENT_RENDER_TIMEOUT_MS, concurrency: config.DOCUMENT_RENDER_CONCURRENCY });
  } catch (err) {
    console.error(`documents will not render in this process: ${err instanceof Error ? err.message : String(err)} (DOCUMENT_DISPATCHER=false says this is meant)`);
    return undefined;
  }
}

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
  // R9.2: PDFs render in a worker of their own on the `documents` queue, with one Chromium per process.
  const renderer = config.DOCUMENT_DISPATCHER ? documentRenderer(config) : undefined;
  const documents = renderer
    ? await createDocumentWorker({ connection, namespace: config.TEMPORAL_NAMESPACE, db, renderer, settings: renderSettings(config) })
    : undefined;
  if (documents && (await startDocumentDispatcher(temporal, documentDispatcherInput(config)))) console.log('document dispatcher started');
  console.log(`worker polling task queues on ${config.TEMPORAL_ADDRESS}${documents ? ' (documents too)' : ''}`);
  try {
    // Both return after SIGINT/SIGTERM, once in-flight tasks finish.
    await Promise.all([worker.run(), documents?.run()]);
  } finally {
    await renderer?.close();
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
