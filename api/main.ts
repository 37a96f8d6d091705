import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../config';
import { createDb } from '../db/connection';
import { MirroredPersonRegistry } from '../db/person-registry';
import { createApp } from './app';
import { serveMetrics } from './metrics-server';
import { createMetricsRegistry } from '../telemetry/metrics';
import { registerServiceFigures } from '../telemetry/service-figures';
import { listen } from './server';
import { warmDatabase } from './warm-up';
import { graceful, type Lifecycle } from './shutdown';
import { authSettings } from './auth-settings';
import { challengeKey, DEV_CHALLENGE_KEY_FILE } from './challenge-token';
import { limitSettings } from './rate-limit';
import { createVerifier } from './signature';
import { serviceCertificates as serviceCertificatesOf } from '../activities/service-key';
import { startTracing } from '../telemetry/tracing';
import { tracedClientInterceptors } from '../telemetry/temporal-tracing';
import { createLogger, logFatal } from '../telemetry/log';
import { requestIdClientInterceptor } from '../telemetry/request-id';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger({ name: 'api', level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  const tracing = startTracing({ serviceName: 'kindergarten-queue-api', endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  const db = createDb(config.DATABASE_URL, config.DATABASE_POOL_MAX, { keepOpen: true, log });
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, interceptors: { workflow: [requestIdClientInterceptor, ...tracedClientInterceptors(tracing)] } });
  const { verifier, trustDir, stop: stopVerifier } = await createVerifier(config, log);
  const lifecycle: Lifecycle = { draining: false };
  const metrics = config.METRICS_PORT ? createMetricsRegistry() : undefined;
  if (metrics) registerServiceFigures(metrics, { db, temporal, onError: (err) => log.error({ err }, 'service figures could not be read') });
  const auth = authSettings({ ...config, CHALLENGE_KEY: challengeKey(config) });
  if (!config.CHALLENGE_KEY) log.warn(`CHALLENGE_KEY unset: login challenges are signed with the development key in ${DEV_CHALLENGE_KEY_FILE}`);
  const edge = { trustProxy: config.TRUST_PROXY, limits: limitSettings(config), corsOrigins: config.CORS_ORIGINS };
  // R11.3: the heads' answer names the service's certificates, so the board's check can tell the service's heads from others.
  const serviceCertificates = config.SERVICE_SIGNING_CERT || config.NODE_ENV !== 'production' ? await serviceCertificatesOf(config, { make: false }) : [];
  if (serviceCertificates.length === 0) log.warn('SERVICE_SIGNING_CERT unset: the chain heads’ answer names no service certificate, so the board’s check can only show which certificate signed');
  const app = createApp({ db, temporal, registry: new MirroredPersonRegistry(db), verifier, auth, ...edge, lifecycle, metrics, tracer: tracing?.tracer, log, serviceCertificates });
  await warmDatabase(db, config.DATABASE_POOL_MAX, log);
  const server = await listen(app, config.PORT);
  const drain = graceful(server, lifecycle);
  log.info(`API listening on http://localhost:${config.PORT} (trust store ${trustDir})`);
  const metricsServer = metrics && (await serveMetrics(metrics, config.METRICS_PORT, config.METRICS_HOST));
  if (metricsServer) log.info(`API metrics on http://localhost:${config.METRICS_PORT}/metrics (bound to ${config.METRICS_HOST})`);
  // Once: a second signal finds no handler and ends the process at once, as an operator who insists means.
  const stop = async (signal: NodeJS.Signals) => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    const grace = config.SHUTDOWN_GRACE_SECONDS;
    log.info(`${signal}: not ready, no new connections; in-flight requests get ${grace} s`);
    stopVerifier();
    metricsServer?.close();
    const { cut } = await drain.close(grace * 1000);
    if (cut) log.warn(`cut ${cut} connection(s) still open after the ${grace} s grace`);
    await connection.close();
    await db.destroy();
    await tracing?.shutdown();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err) => {
  logFatal('api', err);
  process.exit(1);
});
