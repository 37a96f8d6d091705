#!/usr/bin/env node
// `npm start`: the whole system on one machine — embedded PostgreSQL (unless DATABASE_URL), a
// Temporal dev server with its Web UI (unless TEMPORAL_ADDRESS), migrations, the worker and the
// API. Ctrl-C stops every child; the data stays in .data/ for the next start.
import fs from 'node:fs';
import path from 'node:path';
import { ensureStackDatabase } from './lib/postgres-process.mjs';
import { ensureMailCatcher, supervise, waitForReady as waitForUrl } from './lib/processes.mjs';
import { startDevServer } from './lib/temporal.mjs';
import { dataDir, runTsScript } from './lib/tools.mjs';

const log = (msg) => console.log(`[stack] ${msg}`);
const PORT = Number(process.env.PORT ?? 3000);
const WORKER_HEALTH_PORT = Number(process.env.WORKER_HEALTH_PORT ?? 3001);
const PG_PORT = Number(process.env.EMBEDDED_PG_PORT ?? 54329);
const TEMPORAL_PORT = Number(process.env.TEMPORAL_DEV_PORT ?? 7233);
const UI_PORT = Number(process.env.TEMPORAL_UI_PORT ?? 8233);

const { stops, runTs, shutdown, stopping: isStopping } = supervise(log, 'stack');

const waitForReady = (url) => waitForUrl(url, { stopping: isStopping });

async function main() {
  fs.mkdirSync(dataDir, { recursive: true });
  const env = { ...process.env, PORT: String(PORT), WORKER_HEALTH_PORT: String(WORKER_HEALTH_PORT) };
  // People read `npm start` at a terminal: the processes' logs are pretty there; anywhere else (a pipe,
  // a file, CI) they stay JSON, one object a line, unless LOG_FORMAT says otherwise.
  env.LOG_FORMAT ||= process.stdout.isTTY ? 'pretty' : 'json';

  await ensureStackDatabase(env, { dataDir: path.join(dataDir, 'postgres'), port: PG_PORT, log, stops, shownAs: '.data/postgres' });

  let webUi;
  if (!env.TEMPORAL_ADDRESS) {
    const temporal = await startDevServer({
      port: TEMPORAL_PORT,
      uiPort: UI_PORT,
      dbFile: path.join(dataDir, 'temporal.db'),
      logFile: path.join(dataDir, 'temporal.log'),
    });
    stops.push(temporal.stop);
    env.TEMPORAL_ADDRESS = temporal.address;
    webUi = `http://localhost:${UI_PORT}`;
    log(`Temporal dev server on ${temporal.address} (state in .data/temporal.db)`);
  }

  runTsScript(['db/migrate.ts', 'latest', '--seed'], { env, what: 'migrations' });
  log('database migrated and seeded');

  // R1: outside production the API trusts a test PKI with certificates for the seeded persons
  // (npm run sign -- --iin <IIN> signs as one of them). Production brings TRUST_STORE_DIR.
  if (env.NODE_ENV !== 'production' && !env.TRUST_STORE_DIR) {
    runTsScript(['scripts/pki/create.ts'], { env, what: 'making the test PKI' });
  }

  const mailPage = ensureMailCatcher(env, runTs);

  runTs('worker', 'worker/main.ts', env);
  runTs('api', 'api/main.ts', env);
  // Ready means both: the API answers with its dependencies up, and the worker polls its task queues.
  const [apiReady, workerReady] = await Promise.all([
    waitForReady(`http://127.0.0.1:${PORT}/readyz`),
    waitForReady(`http://127.0.0.1:${WORKER_HEALTH_PORT}/readyz`),
  ]);
  if (apiReady && workerReady) {
    log(`API:        http://localhost:${PORT}  (health: /livez, /readyz)`);
    log(`worker:     polling; health http://localhost:${WORKER_HEALTH_PORT}/livez, /readyz`);
    // The settings' defaults (config.ts); 0 turns a listener off.
    const metricsPort = Number(env.METRICS_PORT ?? 9464);
    const workerMetricsPort = Number(env.WORKER_METRICS_PORT ?? 9465);
    if (metricsPort) log(`API metrics:    http://localhost:${metricsPort}/metrics`);
    if (workerMetricsPort) log(`worker metrics: http://localhost:${workerMetricsPort}/metrics  (the Temporal SDK's)`);
    if (webUi) log(`Temporal Web UI: ${webUi}  (filter e.g. ApplicationStatus = "In queue")`);
    if (mailPage) log(`Mail catcher: ${mailPage}  (every e-mail notice; no SMTP_URL given)`);
    if (!env.SMS_URL) log('SMS: no SMS_URL given — each text is written to .data/sms.log');
    log('Ctrl-C stops everything');
  } else if (!isStopping()) {
    const late = [apiReady ? '' : `the API (/readyz on ${PORT})`, workerReady ? '' : `the worker (/readyz on ${WORKER_HEALTH_PORT})`].filter(Boolean);
    log(`not ready within 120 s: ${late.join(' and ')}`);
    await shutdown(1);
  }
}

main().catch(async (err) => {
  log(`failed: ${err.message}`);
  await shutdown(1);
});
