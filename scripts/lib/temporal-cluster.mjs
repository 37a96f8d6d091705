// A real Temporal server (v1.32.2, built from source by temporal-binaries.mjs) on PostgreSQL, as a
// child process: its databases set up idempotently, its config written under a data folder, its
// namespace registered. `npm run start:cluster`, `npm run test:cluster` and the bench use it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import YAML from 'yaml';
import { ensureTemporalBinaries } from './temporal-binaries.mjs';
import { parseDatabaseUrl, setupDatabases } from './temporal-databases.mjs';

export { ensureTemporalBinaries } from './temporal-binaries.mjs';

/** Defaults shared with docker-compose.yml: keep them in step. */
export const CLUSTER_DEFAULTS = {
  shards: 4,
  namespace: 'default',
  retentionDays: 30,
  databases: { main: 'temporal', visibility: 'temporal_visibility' },
};

const GRPC_NOT_FOUND = 5;
const GRPC_ALREADY_EXISTS = 6;

/**
 * The server's internal ports (history, matching and worker services, each with a membership port).
 * Derived from the frontend's `port` like Temporal's own layout (7233 → 7234, 7235, 7239; 6933…),
 * so a restarted server finds itself where its membership record says it was.
 */
export function derivedInternalPorts(port) {
  return {
    frontendMembership: port - 300,
    historyGrpc: port + 1,
    historyMembership: port - 299,
    matchingGrpc: port + 2,
    matchingMembership: port - 298,
    workerGrpc: port + 6,
    workerMembership: port - 294,
  };
}

function portIsFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A free port below 32768: Temporal keeps its services' ports in a PostgreSQL `smallint`
 * (cluster_membership), so the kernel's ephemeral ports (32768 and up) make the server exit.
 */
async function freeSmallintPort(taken) {
  for (let i = 0; i < 200; i++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (!taken.has(port) && (await portIsFree(port))) {
      taken.add(port);
      return port;
    }
  }
  throw new Error('no free port between 20000 and 32000');
}

/** Every port a cluster needs, each free on 127.0.0.1 now: for tests and benches. */
export async function freeClusterPorts({ ui = false } = {}) {
  const taken = new Set();
  const internalPorts = {};
  for (const key of Object.keys(derivedInternalPorts(7233))) internalPorts[key] = await freeSmallintPort(taken);
  return {
    port: await freeSmallintPort(taken),
    httpPort: await freeSmallintPort(taken),
    metricsPort: await freeSmallintPort(taken),
    uiPort: ui ? await freeSmallintPort(taken) : undefined,
    internalPorts,
  };
}

function serverConfig({ db, databases, port, httpPort, metricsPort, internal, shards, dynamicConfigFile }) {
  const store = (databaseName, maxConns) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${db.host}:${db.port}`,
      connectProtocol: 'tcp',
      user: db.user,
      password: db.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const service = (grpcPort, membershipPort, extra = {}) => ({ rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...extra } });
  return {
    log: { stdout: true, level: 'info' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: shards,
      datastores: { 'postgres-default': store(databases.main, 20), 'postgres-visibility': store(databases.visibility, 10) },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      ...(metricsPort ? { metrics: { prometheus: { framework: 'tally', timerType: 'histogram', listenAddress: `127.0.0.1:${metricsPort}` } } } : {}),
    },
    services: {
      frontend: service(port, internal.frontendMembership, httpPort ? { httpPort } : {}),
      history: service(internal.historyGrpc, internal.historyMembership),
      matching: service(internal.matchingGrpc, internal.matchingMembership),
      worker: service(internal.workerGrpc, internal.workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `127.0.0.1:${port}` } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: dynamicConfigFile, pollInterval: '10s' },
  };
}

function uiConfig({ address, uiPort, namespace }) {
  return {
    temporalGrpcAddress: address,
    host: '127.0.0.1',
    port: uiPort,
    uiRootPath: '/',
    enableUi: true,
    defaultNamespace: namespace,
    showTemporalSystemNamespace: false,
    refreshInterval: '1m',
    cors: { allowOrigins: [`http://localhost:${uiPort}`] },
    auth: { enabled: false },
  };
}

/** Resolves once the frontend answers, the namespace is known and the history service serves. */
async function waitUntilServing({ address, namespace, retentionDays, isDead, timeoutMs = 90_000 }) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    const dead = isDead();
    if (dead) throw new Error(`Temporal server exited (${dead})`);
    let connection;
    try {
      connection = await Connection.connect({ address, connectTimeout: 2000 });
      const svc = connection.workflowService;
      try {
        await svc.describeNamespace({ namespace });
      } catch (err) {
        if (err.code !== GRPC_NOT_FOUND) throw err;
        try {
          await svc.registerNamespace({ namespace, workflowExecutionRetentionPeriod: { seconds: retentionDays * 86_400 } });
        } catch (e) {
          if (e.code !== GRPC_ALREADY_EXISTS) throw e;
        }
      }
      // NOT_FOUND for a workflow no one started means the namespace is cached and history answers.
      try {
        await svc.describeWorkflowExecution({ namespace, execution: { workflowId: 'kq-readiness-probe' } });
      } catch (err) {
        if (err.code !== GRPC_NOT_FOUND) throw err;
      }
      return await svc.getClusterInfo({});
    } catch (err) {
      lastError = err;
    } finally {
      await connection?.close().catch(() => {});
    }
    await sleep(500);
  }
  throw new Error(`Temporal server at ${address} did not serve within ${timeoutMs / 1000} s: ${lastError?.message}`);
}

/** Spawns a binary with its output appended to a file; resolves `exited` when it ends. */
function spawnLogged(file, args, { cwd, logFile }) {
  const out = logFile ? fs.openSync(logFile, 'a') : 'ignore';
  const child = spawn(file, args, { cwd, stdio: ['ignore', out, out] });
  if (typeof out === 'number') fs.closeSync(out);
  const state = { child, exit: null };
  state.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve((state.exit = code ?? signal))));
  return state;
}

async function signalAndWait(proc, signal, graceMs = 15_000) {
  if (!proc || proc.exit !== null) return;
  proc.child.kill(signal);
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), graceMs);
  await proc.exited;
  clearTimeout(timer);
}

/**
 * Sets up (idempotently) the Temporal databases on the PostgreSQL at `databaseUrl` (a superuser
 * URL), writes a config under `dataDir`, starts the server with `shards` history shards (fixed when
 * the cluster is created: a different count for existing databases fails), registers the namespace
 * and waits until it serves. `internalPorts` defaults to `derivedInternalPorts(port)`. With
 * `uiPort` and a built UI it also starts the Web UI. `kill()` and `restart()` touch the server only.
 * `onExit(codeOrSignal)` hears of a server that ended by itself (not by stop, kill or restart).
 */
export async function startTemporalCluster({
  databaseUrl,
  dataDir,
  port = 7233,
  httpPort,
  metricsPort,
  uiPort,
  internalPorts,
  shards = CLUSTER_DEFAULTS.shards,
  namespace = CLUSTER_DEFAULTS.namespace,
  retentionDays = CLUSTER_DEFAULTS.retentionDays,
  databases = CLUSTER_DEFAULTS.databases,
  logFile,
  log = () => {},
  onExit = () => {},
}) {
  const bins = await ensureTemporalBinaries({ log });
  const db = parseDatabaseUrl(databaseUrl);
  fs.mkdirSync(dataDir, { recursive: true });
  await setupDatabases({ sql: bins.sql, schemaDir: bins.schemaDir, db, databases, log });

  const address = `127.0.0.1:${port}`;
  const internal = internalPorts ?? derivedInternalPorts(port);
  const dynamicConfigFile = path.join(dataDir, 'dynamicconfig.yaml');
  // Nothing to override yet; the server wants the file to exist.
  if (!fs.existsSync(dynamicConfigFile)) fs.writeFileSync(dynamicConfigFile, '# Temporal dynamic config (see the server’s docs)\n{}\n');
  const configFile = path.join(dataDir, 'temporal-server.yaml');
  fs.writeFileSync(configFile, YAML.stringify(serverConfig({ db, databases, port, httpPort, metricsPort, internal, shards, dynamicConfigFile })));

  let server;
  let ours = false; // the coming exit is one we asked for
  const startServer = async () => {
    ours = false;
    server = spawnLogged(bins.server, ['--config-file', configFile, '--allow-no-auth', 'start'], { cwd: dataDir, logFile });
    const proc = server;
    proc.exited.then((how) => proc === server && !ours && onExit(how));
    try {
      return await waitUntilServing({ address, namespace, retentionDays, isDead: () => (proc.exit === null ? null : `${proc.exit}${logFile ? `; see ${logFile}` : ''}`) });
    } catch (err) {
      ours = true;
      await signalAndWait(proc, 'SIGKILL');
      throw err;
    }
  };
  const ended = (signal) => {
    ours = true;
    return signalAndWait(server, signal);
  };
  const info = await startServer();
  // The server silently keeps the shard count the cluster was created with: say it out loud.
  if (info.historyShardCount !== shards) {
    await ended('SIGTERM');
    throw new Error(
      `the Temporal databases ${databases.main}/${databases.visibility} were created with ${info.historyShardCount} history shards, not ${shards}: ` +
        'the count is fixed when a cluster is created; use that count, or drop both databases to start afresh',
    );
  }
  log(`Temporal server ${info.serverVersion} on ${address} (${shards} history shards, namespace ${namespace})`);

  let ui = null;
  let uiUrl = null;
  if (uiPort && bins.ui) {
    const uiRoot = path.join(dataDir, 'ui');
    fs.mkdirSync(path.join(uiRoot, 'config'), { recursive: true });
    const yaml = YAML.stringify(uiConfig({ address, uiPort, namespace }));
    fs.writeFileSync(path.join(uiRoot, 'config', 'base.yaml'), yaml);
    fs.writeFileSync(path.join(uiRoot, 'config', 'development.yaml'), yaml);
    ui = spawnLogged(bins.ui, ['--root', uiRoot, '--env', 'development', 'start'], { cwd: uiRoot, logFile: logFile && logFile.replace(/(\.log)?$/, '-ui.log') });
    uiUrl = `http://localhost:${uiPort}`;
  } else if (uiPort) {
    log('no Temporal Web UI binary: running without the UI');
  }

  return {
    address,
    uiUrl,
    get pid() {
      return server.child.pid;
    },
    stop: async () => {
      await signalAndWait(ui, 'SIGTERM');
      await ended('SIGTERM');
    },
    kill: () => ended('SIGKILL'),
    restart: async () => {
      await ended('SIGTERM');
      await startServer();
    },
  };
}
