#!/usr/bin/env node
// `npm run start:cluster`: the distributed shape on one machine — embedded PostgreSQL (unless
// DATABASE_URL), a real Temporal server on PostgreSQL (built once from source, see
// lib/temporal-binaries.mjs) with its Web UI, then TWO workers and TWO APIs, as production runs
// them on several machines. Ctrl-C stops every child; the data stays in .data/cluster/.
import fs from 'node:fs';
import path from 'node:path';
import { ensureStackDatabase } from './lib/postgres-process.mjs';
import { ensureMailCatcher, supervise, waitForReady } from './lib/processes.mjs';
import { CLUSTER_DEFAULTS, startTemporalCluster } from './lib/temporal-cluster.mjs';
import { dataDir as projectDataDir, runTsScript } from './lib/tools.mjs';

const log = (msg) => console.log(`[cluster] ${msg}`);
const REPLICAS = 2;
const PORT = Number(process.env.PORT ?? 3000); // APIs on PORT, PORT+1; workers' health on PORT+2, PORT+3
const METRICS_PORT = Number(process.env.METRICS_PORT ?? 9464); // API i: METRICS_PORT + 2i
const WORKER_METRICS_PORT = Number(process.env.WORKER_METRICS_PORT ?? 9465); // worker i: + 2i
const PG_PORT = Number(process.env.EMBEDDED_PG_PORT ?? 54330);
const TEMPORAL_PORT = Number(process.env.TEMPORAL_PORT ?? 7233);
const TEMPORAL_HTTP_PORT = Number(process.env.TEMPORAL_HTTP_PORT ?? 7243);
const TEMPORAL_METRICS_PORT = Number(process.env.TEMPORAL_METRICS_PORT ?? 9468);
const UI_PORT = Number(process.env.TEMPORAL_UI_PORT ?? 8233);
// History shards are fixed when the cluster's databases are created (README, "Running on a real
// Temporal server"): changing this later fails with a message rather than being ignored.
const SHARDS = Number(process.env.TEMPORAL_SHARDS ?? CLUSTER_DEFAULTS.shards);
const dataDir = path.join(projectDataDir, 'cluster');

const { stops, runTs, shutdown, stopping: isStopping } = supervise(log, 'cluster');

async function main() {
  if (!Number.isInteger(SHARDS) || SHARDS < 1) throw new Error(`TEMPORAL_SHARDS: a whole number ≥ 1, not ${process.env.TEMPORAL_SHARDS}`);
  fs.mkdirSync(dataDir, { recursive: true });
  const env = { ...process.env };
  env.LOG_FORMAT ||= process.stdout.isTTY ? 'pretty' : 'json';

  await ensureStackDatabase(env, { dataDir: path.join(dataDir, 'postgres'), port: PG_PORT, log, stops, shownAs: '.data/cluster/postgres' });

  const temporal = await startTemporalCluster({
    databaseUrl: env.TEMPORAL_DATABASE_URL || env.DATABASE_URL,
    dataDir: path.join(dataDir, 'temporal'),
    port: TEMPORAL_PORT,
    httpPort: TEMPORAL_HTTP_PORT,
    metricsPort: TEMPORAL_METRICS_PORT,
    uiPort: UI_PORT,
    shards: SHARDS,
    namespace: env.TEMPORAL_NAMESPACE || CLUSTER_DEFAULTS.namespace,
    logFile: path.join(dataDir, 'temporal.log'),
    log,
    onExit: (how) => {
      if (isStopping()) return;
      log(`the Temporal server exited (${how}; see .data/cluster/temporal.log); stopping the cluster`);
      shutdown(1);
    },
  });
  stops.push(temporal.stop);
  env.TEMPORAL_ADDRESS = temporal.address;

  runTsScript(['db/migrate.ts', 'latest', '--seed'], { env, what: 'migrations' });
  log('database migrated and seeded');
  // R1: as in npm start, a test PKI outside production.
  if (env.NODE_ENV !== 'production' && !env.TRUST_STORE_DIR) runTsScript(['scripts/pki/create.ts'], { env, what: 'making the test PKI' });

  const mailPage = ensureMailCatcher(env, runTs);

  const ready = [];
  for (let i = 0; i < REPLICAS; i++) {
    const health = PORT + REPLICAS + i;
    const metrics = WORKER_METRICS_PORT && WORKER_METRICS_PORT + 2 * i;
    runTs(`worker${i + 1}`, 'worker/main.ts', { ...env, WORKER_HEALTH_PORT: String(health), WORKER_METRICS_PORT: String(metrics), METRICS_PORT: '0' });
    ready.push({ what: `worker ${i + 1}`, url: `http://127.0.0.1:${health}/readyz`, line: `worker ${i + 1}: health http://localhost:${health}/readyz${metrics ? `, metrics http://localhost:${metrics}/metrics` : ''}` });
  }
  for (let i = 0; i < REPLICAS; i++) {
    const port = PORT + i;
    const metrics = METRICS_PORT && METRICS_PORT + 2 * i;
    runTs(`api${i + 1}`, 'api/main.ts', { ...env, PORT: String(port), METRICS_PORT: String(metrics), WORKER_METRICS_PORT: '0', WORKER_HEALTH_PORT: '0' });
    ready.push({ what: `API ${i + 1}`, url: `http://127.0.0.1:${port}/readyz`, line: `API ${i + 1}:  http://localhost:${port}  (health: /livez, /readyz${metrics ? `; metrics http://localhost:${metrics}/metrics` : ''})` });
  }
  const results = await Promise.all(ready.map((r) => waitForReady(r.url, { stopping: isStopping })));
  if (results.every(Boolean)) {
    for (const r of ready) log(r.line);
    log(`Temporal server: ${temporal.address}  (${SHARDS} history shards; metrics http://localhost:${TEMPORAL_METRICS_PORT}/metrics; log .data/cluster/temporal.log)`);
    log(temporal.uiUrl ? `Temporal Web UI: ${temporal.uiUrl}  (filter e.g. ApplicationStatus = "In queue")` : 'Temporal Web UI: none (its build failed; see above)');
    if (mailPage) log(`Mail catcher: ${mailPage}  (every e-mail notice; no SMTP_URL given)`);
    if (!env.SMS_URL) log('SMS: no SMS_URL given — each text is written to .data/sms.log');
    log('Ctrl-C stops everything');
  } else if (!isStopping()) {
    log(`not ready within 120 s: ${ready.filter((_, i) => !results[i]).map((r) => r.what).join(', ')}`);
    await shutdown(1);
  }
}

main().catch(async (err) => {
  log(`failed: ${err.message}`);
  await shutdown(1);
});
