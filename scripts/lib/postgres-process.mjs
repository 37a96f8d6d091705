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
