// The Temporal server the bench runs against: the dev server (the temporal CLI, one SQLite file) or
// the cluster (Temporal server on the bench's PostgreSQL, scripts/lib/temporal-cluster.mjs, issue 19).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { BenchProcess } from './processes';

export const BENCH_SERVERS = ['dev', 'cluster'] as const;
export type BenchServer = (typeof BENCH_SERVERS)[number];

export interface BenchTemporal {
  address: string;
  /** What the figures ran against, printed with each of them. */
  description: string;
  process: BenchProcess;
}

interface StartOptions {
  /** The stack's folder: the server's data and log go in it. */
  benchData: string;
  /** The bench's PostgreSQL: the cluster keeps its two databases (temporal, temporal_visibility) on the same server. */
  databaseUrl: string;
  shards: number;
}

/** What the bench uses of scripts/lib/temporal-cluster.mjs. */
interface TemporalClusterLibrary {
  ensureTemporalBinaries(opts: { log: (line: string) => void }): Promise<{ server: string; sql: string; ui: string | null; schemaDir: string }>;
  /** Free ports below 32768: the server keeps them in a PostgreSQL smallint. */
  freeClusterPorts(): Promise<{ port: number; httpPort: number; metricsPort: number; internalPorts: Record<string, number> }>;
  startTemporalCluster(opts: {
    databaseUrl: string;
    dataDir: string;
    port: number;
    httpPort?: number;
    metricsPort?: number;
    uiPort?: number;
    internalPorts?: Record<string, number>;
    shards?: number;
    namespace?: string;
    logFile?: string;
    log?: (line: string) => void;
  }): Promise<{ address: string; uiUrl: string | null; pid: number; stop(): Promise<void>; kill(): Promise<void>; restart(): Promise<unknown> }>;
}

/** Starts the chosen server on fresh ports, its state in the stack's folder, and resolves once it serves. */
export async function startBenchTemporal(server: BenchServer, options: StartOptions): Promise<BenchTemporal> {
  return server === 'dev' ? startDev(options) : startCluster(options);
}

async function startDev({ benchData }: StartOptions): Promise<BenchTemporal> {
  const { startDevServer } = await import('../lib/temporal.mjs');
  const { freePort } = await import('../lib/ports.mjs');
  const { temporalWheels } = await import('../lib/tools.mjs');
  // The same ports and file on a restart: the workers and the API reconnect to the address they know.
  const options = {
    port: await freePort(),
    httpPort: await freePort(),
    metricsPort: await freePort(),
    dbFile: path.join(benchData, 'temporal.db'),
    logFile: path.join(benchData, 'temporal.log'),
  };
  let dev = await startDevServer(options);
  return {
    address: dev.address,
    description: `temporal CLI ${temporalWheels.cli.version} dev server (SQLite file, journal_mode=WAL, synchronous=NORMAL; search attributes registered at start, read from its cache)`,
    process: {
      name: 'Temporal dev server',
      get pid() {
        return dev.pid;
      },
      ready: async () => {},
      stop: () => dev.stop(),
      kill: () => dev.kill(),
      async restart() {
        await dev.kill();
        dev = await startDevServer(options);
      },
    },
  };
}

async function startCluster({ benchData, databaseUrl, shards }: StartOptions): Promise<BenchTemporal> {
  // Not a literal: scripts/lib/modules.d.ts declares no types for the library, so this file
  // type-checks against the interface above instead.
  const library: string = '../lib/temporal-cluster.mjs';
  const { ensureTemporalBinaries, freeClusterPorts, startTemporalCluster } = (await import(library)) as TemporalClusterLibrary;
  const log = (line: string) => process.stderr.write(`[bench] temporal cluster: ${line}\n`);
  // Built once (7–13 minutes on 2 cores) and cached outside the clone; found at once after that.
  const binaries = await ensureTemporalBinaries({ log });
  const version = /\d+\.\d+\.\d+/.exec(spawnSync(binaries.server, ['--version'], { encoding: 'utf8', timeout: 10_000 }).stdout ?? '')?.[0] ?? 'unknown version';
  // New ports each start, as the dev server's; a restart (the fault run) keeps them.
  const ports = await freeClusterPorts();
  const cluster = await startTemporalCluster({
    databaseUrl,
    dataDir: path.join(benchData, 'temporal-cluster'),
    ...ports,
    shards,
    logFile: path.join(benchData, 'temporal-cluster.log'),
    log,
  });
  const pg = databaseUrl === process.env.DATABASE_URL ? 'DATABASE_URL' : 'the bench’s embedded PostgreSQL';
  return {
    address: cluster.address,
    description: `Temporal server ${version} on PostgreSQL (${pg}), ${shards} history shards`,
    process: {
      name: 'Temporal server',
      get pid() {
        return cluster.pid;
      },
      ready: async () => {},
      stop: () => cluster.stop(),
      kill: () => cluster.kill(),
      restart: async () => void (await cluster.restart()),
    },
  };
}
