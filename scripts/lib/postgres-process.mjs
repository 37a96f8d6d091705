// Starts scripts/postgres-server.mjs as a child and resolves with its URL once it is ready.
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { projectRoot } from './tools.mjs';

export function startPostgresProcess({ dataDir, port, logFile, onLog = () => {} }) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(projectRoot, 'scripts', 'postgres-server.mjs'), dataDir, String(port), logFile ?? ''], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let errors = '';
    child.stderr.on('data', (b) => {
      errors += b;
      for (const line of String(b).split('\n')) if (line) onLog(line);
    });
    child.once('exit', (code) => reject(new Error(`PostgreSQL exited (${code}): ${errors.trim()}`)));
    readline.createInterface({ input: child.stdout }).once('line', (line) => {
      const { url } = JSON.parse(line);
      resolve({
        url,
        pid: child.pid,
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}

/**
 * A stack's database (`npm start`, `npm run start:cluster`): `env.DATABASE_URL` when it is given,
 * else the embedded PostgreSQL in `dataDir` on `port`, stopped with the stack. Sets DATABASE_URL.
 */
export async function ensureStackDatabase(env, { dataDir, port, log, stops, shownAs }) {
  if (env.DATABASE_URL) return;
  const pg = await startPostgresProcess({ dataDir, port, logFile: path.join(path.dirname(dataDir), 'postgres.log'), onLog: log });
  stops.push(pg.stop);
  env.DATABASE_URL = pg.url;
  log(`PostgreSQL on 127.0.0.1:${port} (data in ${shownAs})`);
}
