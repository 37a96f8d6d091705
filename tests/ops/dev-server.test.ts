/**
 * The Temporal dev server as npm start, the tests and the bench start it (scripts/lib/temporal.mjs)
 * reads the namespace's search attributes from its cache rather than from SQLite on every use, so
 * it must know the workflows' attributes from its first moment: a fresh server lists them before
 * any worker registered them, each with its type.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { APPLICATION_SEARCH_ATTRIBUTES } from '../../contracts/search-attributes';
import { INDEXED_TYPE } from '../../worker/search-attributes';

const ROOT = path.resolve(__dirname, '..', '..');

/** A fresh in-memory dev server started as the project starts it: its custom attributes, then stopped. */
const CHILD = `
import { Connection } from '@temporalio/client';
import { startDevServer } from './scripts/lib/temporal.mjs';
import { freePort } from './scripts/lib/ports.mjs';
const server = await startDevServer({ port: await freePort(), httpPort: await freePort(), metricsPort: await freePort() });
try {
  const connection = await Connection.connect({ address: server.address });
  const listed = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
  console.log(JSON.stringify(Object.fromEntries(Object.entries(listed.customAttributes).map(([name, type]) => [name, Number(type)]))));
  await connection.close();
} finally {
  await server.stop();
}
`;

describe('the dev server the project starts', () => {
  it('knows the workflows’ search attributes from its start, each with its type', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', CHILD], { cwd: ROOT, timeout: 90_000 });
    const listed = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number>;
    for (const key of APPLICATION_SEARCH_ATTRIBUTES) expect([key.name, listed[key.name]]).toEqual([key.name, INDEXED_TYPE[key.type]]);
  }, 120_000);
});
