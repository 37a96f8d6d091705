import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureTestPki } from '../pki/test-pki';
import { benchChild, type BenchProcess } from './processes';
import { startBenchTemporal, type BenchServer } from './temporal';

export type { BenchProcess } from './processes';
export type { BenchServer } from './temporal';

const root = path.resolve(__dirname, '..', '..');

/**
 * BENCH_DATA_DIR: another stack beside .data/bench (a second seeded size, or a smoke run while
 * another bench runs). Each server keeps a folder of its own (`<dir>` for the dev server,
 * `<dir>-cluster` for the cluster): a seeded queue lives in one server's history and its database
 * together, so `--reuse` finds both again only there.
 */
export function benchDataDir(server: BenchServer): string {
  const base = process.env.BENCH_DATA_DIR ? path.resolve(process.env.BENCH_DATA_DIR) : path.join(root, '.data', 'bench');
  return server === 'dev' ? base : `${base}-${server}`;
}

export interface BenchStack {
  databaseUrl: string;
  temporalAddress: string;
  apiUrl: string;
  /** The test PKI the API trusts. */
  pkiDir: string;
  /** The worker processes (`workers` of them), each a child that can be killed and started again. */
  workers: BenchProcess[];
  /** Each worker's /metrics (the Temporal SDK's own metrics among them). */
  workerMetricsUrls: string[];
  /** The Temporal server this stack started; undefined when TEMPORAL_ADDRESS names one it did not. */
  temporal?: BenchProcess;
  /** Another API process on the same stack, with these settings over the stack's (the telemetry figure's variants). */
  startApi(env: NodeJS.ProcessEnv): Promise<{ url: string; pid: number; stop(): Promise<void> }>;
  /** What the figures ran against, printed with each of them. */
  temporalServer: string;
  stop(): Promise<void>;
}

export interface BenchStackOptions {
  /** Which Temporal server the stack starts (unless TEMPORAL_ADDRESS): the dev server (default) or the cluster on PostgreSQL. */
  server?: BenchServer;
  /** Where PostgreSQL, the Temporal server's data, their logs and the test PKI live; default benchDataDir(server). */
  dataDir?: string;
  /** Write the worker's and the API's whole output to worker.log and api.log here, rather than echo their errors. */
  logDir?: string;
  /** Worker processes sharing the task queues (default 1). */
  workers?: number;
  /** The cluster's history shards (default 4); fixed when its databases are created, so a reused cluster keeps its own. */
  shards?: number;
}

/**
 * The local stack for benchmarks, kept in .data/bench so `--reuse` finds the seeded queue again:
 * PostgreSQL (unless DATABASE_URL), a Temporal server (unless TEMPORAL_ADDRESS: the dev server on a
 * SQLite file with WAL, or the cluster on the same PostgreSQL), and the workers and the API as their
 * own processes, as in production. `dataDir` puts all of it elsewhere (the fuzz starts each run from
 * an empty folder).
 */
export async function startBenchStack(options: BenchStackOptions = {}): Promise<BenchStack> {
  const stops: (() => Promise<void>)[] = [];
  try {
    return await start(options, stops);
  } catch (err) {
    // Nothing it started is left running when the stack cannot start.
    for (const stop of stops.reverse()) await stop().catch(() => {});
    throw err;
  }
}

async function start({ server = 'dev', dataDir, logDir, workers = 1, shards = 4 }: BenchStackOptions, stops: (() => Promise<void>)[]): Promise<BenchStack> {
  // The helpers are ESM (.mjs); tsx runs this file as CommonJS, so load them dynamically.
  const { startPostgresProcess } = await import('../lib/postgres-process.mjs');
  const { freePort } = await import('../lib/ports.mjs');
  const benchData = dataDir ?? benchDataDir(server);
  fs.mkdirSync(benchData, { recursive: true });

  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    const pg = await startPostgresProcess({ dataDir: path.join(benchData, 'postgres'), port: await freePort(), logFile: path.join(benchData, 'postgres.log') });
    stops.push(pg.stop);
    databaseUrl = pg.url as string;
  }
  let temporalAddress = process.env.TEMPORAL_ADDRESS;
  let temporalServer = `Temporal at ${temporalAddress}`;
  let temporal: BenchProcess | undefined;
  if (!temporalAddress) {
    const started = await startBenchTemporal(server, { benchData, databaseUrl, shards });
    stops.push(started.process.stop);
    temporal = started.process;
    temporalAddress = started.address;
    temporalServer = started.description;
  }
  const env = { ...process.env, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporalAddress, NODE_ENV: 'development' as const };
  const migrated = spawnSync(process.execPath, ['--import', 'tsx', 'db/migrate.ts', 'latest', '--seed'], { cwd: root, env, stdio: 'inherit' });
  if (migrated.status !== 0) throw new Error('migrations failed');

  // R1: the API trusts the bench's own test PKI; the load generator signs with it.
  const pkiDir = path.join(benchData, 'pki');
  await ensureTestPki(pkiDir);
  if (logDir) fs.mkdirSync(logDir, { recursive: true });
  // No mail server here: the notices bench drives delivery itself (scripts/bench/notices.ts).
  // Health and metrics on ports of their own, never 3001/9464/9465 that a running `npm start` takes;
  // the health port tells when a worker (started again by the fault run) polls. One of them
  // registers the search attributes (both may: adding is idempotent). The chain's heads are signed
  // with a service certificate from the bench's own test PKI (R11.3), not the one `npm start` makes.
  const workerProcesses: BenchProcess[] = [];
  const workerMetricsUrls: string[] = [];
  for (let i = 0; i < workers; i++) {
    const healthPort = await freePort();
    const metricsPort = await freePort();
    workerMetricsUrls.push(`http://127.0.0.1:${metricsPort}/metrics`);
    const worker = benchChild({
      name: workers > 1 ? `worker-${i + 1}` : 'worker',
      entry: 'worker/main.ts',
      env: { ...env, KQ_TEST_PKI_DIR: pkiDir, CREATE_SCHEDULES: 'false', NOTICE_DISPATCHER: 'false', DATABASE_POOL_MAX: '20', WORKER_HEALTH_PORT: String(healthPort), WORKER_METRICS_PORT: String(metricsPort) },
      readyUrl: `http://127.0.0.1:${healthPort}/readyz`,
      logDir,
    });
    stops.push(worker.stop);
    workerProcesses.push(worker);
  }
  // The load generator and the fuzzer are this machine's own clients: exempt from the anonymous
  // limit by configuration (an IPv4 client of the dual-stack listener counts as 127.0.0.1), so they
  // measure and exercise the routes rather than meet 429 after 60 logins.
  const apiEnv = { ...env, DATABASE_POOL_MAX: '20', TRUST_STORE_DIR: path.join(pkiDir, 'trust'), RATE_LIMIT_EXEMPT: '127.0.0.1,::1' };
  let apis = 0;
  const startApi = async (extra: NodeJS.ProcessEnv) => {
    const port = await freePort();
    const api = benchChild({
      name: apis++ ? `api-${apis}` : 'api',
      entry: 'api/main.ts',
      env: { ...apiEnv, PORT: String(port), METRICS_PORT: String(await freePort()), ...extra },
      readyUrl: `http://127.0.0.1:${port}/readyz`,
      logDir,
    });
    try {
      await api.ready();
    } catch (err) {
      await api.stop();
      throw err;
    }
    return { url: `http://127.0.0.1:${port}`, pid: api.pid, stop: api.stop };
  };
  const { alive } = await import('../lib/processes.mjs');
  const api = await startApi({}).catch((err: Error) => {
    // The API exits when it cannot reach Temporal: name the server that went away, not only the API.
    if (temporal && !alive(temporal.pid)) throw new Error(`${err.message}: the ${temporal.name} had exited (see ${path.join(benchData, 'temporal.log')})`);
    throw err;
  });
  stops.push(api.stop);
  // Bundling the workflows takes a while: the API came up meanwhile.
  for (const worker of workerProcesses) await worker.ready();
  return {
    databaseUrl,
    temporalAddress,
    apiUrl: api.url,
    startApi,
    pkiDir,
    workers: workerProcesses,
    workerMetricsUrls,
    temporal,
    temporalServer,
    async stop() {
      for (const stop of stops.reverse()) await stop();
    },
  };
}

/** Resident memory of a process, in MiB, from /proc. */
export function residentMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return Math.round(kb / 1024);
}
