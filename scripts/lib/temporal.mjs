// Starts a Temporal dev server (the Temporal CLI from the PyPI wheel: SQLite, Web UI) as a child.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { require as tsRequire } from 'tsx/cjs/api';
import { temporalCliPath } from './tools.mjs';

/** The CLI's names of the SDK's search attribute types. */
const CLI_TYPE = { TEXT: 'Text', KEYWORD: 'Keyword', INT: 'Int', DOUBLE: 'Double', BOOL: 'Bool', DATETIME: 'Datetime', KEYWORD_LIST: 'KeywordList' };

/** `--search-attribute Name=Type` for each of the workflows' attributes (contracts/search-attributes.ts). */
export function searchAttributeFlags() {
  const { APPLICATION_SEARCH_ATTRIBUTES } = tsRequire('../../contracts/search-attributes.ts', import.meta.url);
  return APPLICATION_SEARCH_ATTRIBUTES.flatMap((key) => {
    const type = CLI_TYPE[key.type];
    if (!type) throw new Error(`search attribute ${key.name}: no CLI type for ${key.type}`);
    return ['--search-attribute', `${key.name}=${type}`];
  });
}

function healthy(cli, address) {
  const res = spawnSync(cli, ['operator', 'cluster', 'health', '--address', address], { encoding: 'utf8', timeout: 5000 });
  return res.status === 0 && /SERVING/.test(res.stdout);
}

/**
 * Starts `temporal server start-dev` and resolves once it serves. `dbFile` keeps state across
 * runs (omit it for an in-memory server); WAL pragmas make SQLite usable under load.
 */
export async function startDevServer({ port, uiPort, httpPort, metricsPort, dbFile, logFile, namespace = 'default' }) {
  const cli = temporalCliPath();
  if (!fs.existsSync(cli)) throw new Error(`no Temporal CLI at ${cli}; run npm run bootstrap`);
  const address = `127.0.0.1:${port}`;
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--namespace', namespace];
  if (uiPort) args.push('--ui-port', String(uiPort), '--ui-disable-news-fetch');
  else args.push('--headless');
  if (httpPort) args.push('--http-port', String(httpPort));
  if (metricsPort) args.push('--metrics-port', String(metricsPort));
  if (dbFile) args.push('--db-filename', dbFile);
  args.push('--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=NORMAL');
  // The dev server rereads the namespace's search attributes from SQLite on every use (its default,
  // so that one added a moment ago works at once): about nine reads per workflow task that upserts
  // one, each on its one SQLite connection. The workflows' attributes are registered here, at start,
  // and read from the server's cache (refreshed every minute); the worker's registration then finds
  // them. Offer run at 50,000 / 4,000: 98.4 and 103.9 s against 111.1–112.9 s (README, Benchmarks).
  args.push(...searchAttributeFlags(), '--dynamic-config-value', 'system.forceSearchAttributesCacheRefreshOnRead=false');

  const out = logFile ? fs.openSync(logFile, 'a') : 'ignore';
  const child = spawn(cli, args, { stdio: ['ignore', out, out] });
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));

  const deadline = Date.now() + 60_000;
  while (!healthy(cli, address)) {
    if (exited) throw new Error(`Temporal dev server exited (${exited.code ?? exited.signal})${logFile ? `; see ${logFile}` : ''}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('Temporal dev server did not become healthy within 60 s');
    }
    await sleep(250);
  }
  return {
    address,
    pid: child.pid,
    stop: () =>
      new Promise((resolve) => {
        if (exited) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
    /** SIGKILL, as a crash (the bench's fault run): the same options start it again on the same dbFile. */
    kill: () =>
      new Promise((resolve) => {
        if (exited) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}
