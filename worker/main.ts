import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { loadConfig, type Config } from '../config';
import type { DocumentRenderer } from '../domain/documents';
import { createDb } from '../db/connection';
import { createNoticeSenders } from '../activities/delivery';
import { deliverySettings } from '../activities/notice-delivery';
import { renderSettings } from '../activities/documents/dispatch';
import { createChromiumRenderer } from '../activities/documents/renderer';
import { renderNotice } from '../templates/notices';
import { startCorrections } from './corrections';
import { serviceCredentials, signingCertificateStanding } from '../activities/service-key';
import { createDocumentWorker, documentDispatcherInput, startDocumentDispatcher } from './documents';
import { dispatcherInput, startNoticeDispatcher } from './notice-dispatcher';
import { ensureDailySchedules } from '../schedules/daily-runs';
import { registerSearchAttributes } from './search-attributes';
import { startWorkerHealth } from './health';
import { createApplicationWorker } from './worker';
import { installRuntime } from './runtime';
import { workflowStackTraces } from './stack-traces';
import { bundleWorkflows } from './bundle';
import { createLogger, logFatal, type Logger } from '../telemetry/log';
import { startTracing } from '../telemetry/tracing';
import { tracedClientInterceptors } from '../telemetry/temporal-tracing';
import { requestIdClientInterceptor } from '../telemetry/request-id';

/**
 * The process's one renderer. Without Chromium the worker still runs the lifecycles — documents wait,
 * `rendering`, for a worker that can render them — and says so.
 */
function documentRenderer(config: Config, log: Logger): DocumentRenderer | undefined {
  try {
    return createChromiumRenderer({ timeoutMs: config.DOCUMENT_RENDER_TIMEOUT_MS, concurrency: config.DOCUMENT_RENDER_CONCURRENCY });
  } catch (err) {
    log.error(`documents will not render in this process: ${err instanceof Error ? err.message : String(err)} (DOCUMENT_DISPATCHER=false says this is meant)`);
    return undefined;
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  // First: the Runtime (its logger, its metrics exporter) is fixed by whatever touches it first.
  const log = createLogger({ name: 'worker', level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  installRuntime(config, log);
  const stackTraces = workflowStackTraces(config.WORKER_STACK_TRACES);
  if (stackTraces.unexpected) log.warn(stackTraces.message);
  else log.info(stackTraces.message);
  if (config.WORKER_METRICS_PORT) log.info(`worker metrics on http://localhost:${config.WORKER_METRICS_PORT}/metrics (bound to ${config.METRICS_HOST})`);
  // Before any client or worker: their spans need the provider (and without an endpoint, none is).
  const tracing = startTracing({ serviceName: 'kindergarten-queue-worker', endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  // R11.3: the key that signs the chain's heads, checked now: production without one does not start.
  const standing = signingCertificateStanding((await serviceCredentials(config)).certPem, new Date());
  log[standing.level](standing.message);
  const db = createDb(config.DATABASE_URL, config.DATABASE_POOL_MAX, { log });
  const clientConnection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  // Activities signal and update workflows through this client: the request ID goes on into them, and traced, the trace.
  const temporal = new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE, interceptors: { workflow: [requestIdClientInterceptor, ...tracedClientInterceptors(tracing)] } });
  // Live from here on (bundling the workflows takes a while); ready once every worker polls.
  const running: Worker[] = [];
  const health = config.WORKER_HEALTH_PORT ? await startWorkerHealth(config.WORKER_HEALTH_PORT, { workers: running, db, temporal }) : undefined;
  if (health) log.info(`worker health on http://localhost:${config.WORKER_HEALTH_PORT}/livez and /readyz`);
  if (config.REGISTER_SEARCH_ATTRIBUTES) await registerSearchAttributes(clientConnection, config.TEMPORAL_NAMESPACE);
  if (config.CREATE_SCHEDULES) {
    const ids = await ensureDailySchedules(temporal, db);
    log.info(`schedules ready: ${ids.join(', ')}`);
  }
  const corrections = await startCorrections(temporal);
  if (corrections.length) log.info(`corrections started: ${corrections.join(', ')}`);
  const senders = createNoticeSenders(config);
  log.info(`notices: ${senders.description}`);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  // Once, for both workers (each would bundle its own otherwise).
  const workflowBundle = await bundleWorkflows(log, { tracing: Boolean(tracing) });
  // On SIGTERM running activities get this long to finish, then are cancelled.
  const shutdownGraceTime = config.SHUTDOWN_GRACE_SECONDS * 1000;
  const worker = await createApplicationWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    db,
    temporal,
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
    workflowTaskPolls: config.WORKER_WORKFLOW_TASK_POLLS,
    delivery: { renderNotice, email: senders.email, sms: senders.sms, settings: deliverySettings(config) },
    shutdownGraceTime,
    tracing,
    workflowBundle,
  });
  // R9.1: one dispatcher drains the outbox; the first worker to start starts it.
  if (config.NOTICE_DISPATCHER && (await startNoticeDispatcher(temporal, dispatcherInput(config)))) log.info('notice dispatcher started');
  // R9.2: PDFs render in a worker of their own on the `documents` queue, with one Chromium per process.
  const renderer = config.DOCUMENT_DISPATCHER ? documentRenderer(config, log) : undefined;
  const documents = renderer
    ? await createDocumentWorker({ connection, namespace: config.TEMPORAL_NAMESPACE, db, renderer, settings: renderSettings(config), shutdownGraceTime, tracing, workflowBundle })
    : undefined;
  if (documents && (await startDocumentDispatcher(temporal, documentDispatcherInput(config)))) log.info('document dispatcher started');
  log.info(`worker polling task queues on ${config.TEMPORAL_ADDRESS}${documents ? ' (documents too)' : ''}`);
  try {
    // Both return after SIGINT/SIGTERM (the SDK's Runtime calls shutdown()), once in-flight tasks finish.
    const runs = Promise.all([worker.run(), documents?.run()]);
    running.push(worker, ...(documents ? [documents] : []));
    await runs;
  } finally {
    health?.close();
    health?.closeAllConnections();
    await renderer?.close();
    senders.close();
    await connection.close();
    await clientConnection.close();
    await db.destroy();
    await tracing?.shutdown();
  }
}

main().catch((err) => {
  logFatal('worker', err);
  process.exit(1);
});
