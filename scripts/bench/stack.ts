import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureTestPki } from '../pki/test-pki';

const root = path.resolve(__dirname, '..', '..');
// BENCH_DATA_DIR: another stack beside .data/bench (a second seeded size, or a smoke run while another bench runs).
const defaultBenchData = process.env.BENCH_DATA_DIR ? path.resolve(process.env.BENCH_DATA_DIR) : path.join(root, '.data', 'bench');

export interface BenchStack {
  databaseUrl: string;
  temporalAddress: string;
  apiUrl: string;
  /** The test PKI the API trusts. */
  pkiDir: string;
  worker: ChildProcess;
  /** Another API process on the same stack, with these settings over the stack's (the telemetry figure's variants). */
  startApi(env: NodeJS.ProcessEnv): Promise<{ url: string; pid: number; stop(): Promise<void> }>;
  /** What the figures ran against, printed with each of them. */
  temporalServer: string;
  stop(): Promise<void>;
}

/** `BENCH_CPU_PROF=dir`: V8 CPU profiles of the API and the worker, in dir/api and dir/worker, written when each exits. */
function nodeArgs(name: string, entry: string): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  // A folder per process: every thread (the loader's, the workflow threads') writes a profile of its own.
  const profile = dir ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(dir, name)] : [];
  return [...profile, '--import', 'tsx', entry];
}

function child(name: string, entry: string, env: NodeJS.ProcessEnv, logDir?: string): ChildProcess {
  if (logDir) {
    // Everything the process prints, to <logDir>/<name>.log (the fuzz reads the API's errors there).
    const out = fs.openSync(path.join(logDir, `${name}.log`), 'a');
    const proc = spawn(process.execPath, nodeArgs(name, entry), { cwd: root, env, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    return proc;
  }
  const proc = spawn(process.execPath, nodeArgs(name, entry), { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
  proc.stderr!.on('data', (b) => {
    const text = String(b);
    if (/error/i.test(text)) process.stderr.write(`[${name}] ${text}`);
  });
  return proc;
}

export interface BenchStackOptions {
  /** Where PostgreSQL, Temporal's SQLite file, their logs and the test PKI live; default .data/bench. */
  dataDir?: string;
  /** Write the worker's and the API's whole output to worker.log and api.log here, rather than echo their errors. */
  logDir?: string;
}

const stopChild = (p: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (p.exitCode !== null || p.signalCode) return resolve();
    p.once('exit', () => resolve());
    p.kill('SIGTERM');
    setTimeout(() => p.kill('SIGKILL'), 15_000).unref();
  });

/**
 * The local stack for benchmarks, kept in .data/bench so `--reuse` finds the seeded queue again:
 * PostgreSQL (unless DATABASE_URL), a Temporal dev server on a SQLite file with WAL (unless
 * TEMPORAL_ADDRESS), and the worker and the API as their own processes, as in production.
 * `dataDir` puts all of it elsewhere (the fuzz starts each run from an empty folder).
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

async function start({ dataDir: benchData = defaultBenchData, logDir }: BenchStackOptions, stops: (() => Promise<void>)[]): Promise<BenchStack> {
  // The helpers are ESM (.mjs); tsx runs this file as CommonJS, so load them dynamically.
  const { startPostgresProcess } = await import('../lib/postgres-process.mjs');
  const { startDevServer } = await import('../lib/temporal.mjs');
  const { freePort } = await import('../lib/ports.mjs');
  const { temporalWheels } = await import('../lib/tools.mjs');
  fs.mkdirSync(benchData, { recursive: true });

  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    const pg = await startPostgresProcess({ dataDir: path.join(benchData, 'postgres'), port: await freePort(), logFile: path.join(benchData, 'postgres.log') });
    stops.push(pg.stop);
    databaseUrl = pg.url as string;
  }
  let temporalAddress = process.env.TEMPORAL_ADDRESS;
  let temporalServer = `Temporal at ${temporalAddress}`;
  if (!temporalAddress) {
    const dev = await startDevServer({
      port: await freePort(),
      httpPort: await freePort(),
      metricsPort: await freePort(),
      dbFile: path.join(benchData, 'temporal.db'),
      logFile: path.join(benchData, 'temporal.log'),
    });
    stops.push(dev.stop);
    temporalAddress = dev.address as string;
    temporalServer = `temporal CLI ${temporalWheels.cli.version} dev server (SQLite file, journal_mode=WAL, synchronous=NORMAL)`;
  }
  const env = { ...process.env, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporalAddress, NODE_ENV: 'development' as const };
  const migrated = spawnSync(process.execPath, ['--import', 'tsx', 'db/migrate.ts', 'latest', '--seed'], { cwd: root, env, stdio: 'inherit' });
  if (migrated.status !== 0) throw new Error('migrations failed');

  // R1: the API trusts the bench's own test PKI; the load generator signs with it.
  const pkiDir = path.join(benchData, 'pki');
  await ensureTestPki(pkiDir);
  if (logDir) fs.mkdirSync(logDir, { recursive: true });
  // No mail server here: the notices bench drives delivery itself (scripts/bench/notices.ts).
  // No health port: the bench waits on the API only, and 3001 may be a running `npm start`'s; metrics
  // on ports of their own, as in production, never 9464/9465 that `npm start` takes.
  const worker = child('worker', 'worker/main.ts', { ...env, CREATE_SCHEDULES: 'false', NOTICE_DISPATCHER: 'false', DATABASE_POOL_MAX: '20', WORKER_HEALTH_PORT: '0', WORKER_METRICS_PORT: String(await freePort()) }, logDir);
  stops.push(() => stopChild(worker));
  // The load generator and the fuzzer are this machine's own clients: exempt from the anonymous
  // limit by configuration (an IPv4 client of the dual-stack listener counts as 127.0.0.1), so they
  // measure and exercise the routes rather than meet 429 after 60 logins.
  const apiEnv = { ...env, DATABASE_POOL_MAX: '20', TRUST_STORE_DIR: path.join(pkiDir, 'trust'), RATE_LIMIT_EXEMPT: '127.0.0.1,::1' };
  let apis = 0;
  const startApi = async (extra: NodeJS.ProcessEnv) => {
    const port = await freePort();
    const proc = child(apis++ ? `api-${apis}` : 'api', 'api/main.ts', { ...apiEnv, PORT: String(port), METRICS_PORT: String(await freePort()), ...extra }, logDir);
    const url = `http://127.0.0.1:${port}`;
    const stop = () => stopChild(proc);
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${url}/readyz`)).ok) break;
      } catch {
        /* not up yet */
      }
      if (i > 300 || proc.exitCode !== null) {
        await stop();
        throw new Error(`the API did not come up${logDir ? `; see ${path.join(logDir, 'api.log')}` : ''}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    return { url, pid: proc.pid!, stop };
  };
  const api = await startApi({});
  stops.push(api.stop);
  return {
    databaseUrl,
    temporalAddress,
    apiUrl: api.url,
    startApi,
    pkiDir,
    worker,
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
