import type pg from 'pg';
import { createDb, warmConnections, type Db } from '../../db/connection';
import { testDatabaseUrl, testDb } from '../helpers/db';
import { publicLookup, warmPublicLookup } from '../../db/public-board';
import { warmDatabase } from '../../api/warm-up';
import { createLogger } from '../../telemetry/log';

/** A logger whose lines the test reads back, parsed. */
function capturedLog() {
  const lines: string[] = [];
  const log = createLogger({ name: 'api', destination: { write: (line: string) => void lines.push(line) } });
  return { log, entries: () => lines.map((l) => JSON.parse(l)) };
}

/** tarn's own state: what the pool holds, and its reaping as if every free connection had idled past the timeout. */
const pool = (db: Db) => db.client.pool as { numUsed(): number; numFree(): number; free: { timestamp: number }[]; check(): void };
const reapIdle = (db: Db) => {
  for (const free of pool(db).free) free.timestamp -= 3_600_000;
  pool(db).check();
};

/** Each connection's prepared look-up, as PostgreSQL counts its plans. */
async function lookupPlans(db: Db): Promise<{ pid: number; generic: number; custom: number }[]> {
  const plans: { pid: number; generic: number; custom: number }[] = [];
  await warmConnections(db, pool(db).numFree(), async (connection: pg.Client) => {
    const { rows } = await connection.query(`SELECT pg_backend_pid() AS pid, generic_plans, custom_plans FROM pg_prepared_statements WHERE name = 'public-lookup'`);
    plans.push(...rows.map((r) => ({ pid: r.pid, generic: Number(r.generic_plans), custom: Number(r.custom_plans) })));
  });
  return plans;
}

describe('the API’s database connections, opened and readied before the first request', () => {
  let db: Db | undefined;
  afterEach(() => db?.destroy());

  it('opens as many connections as asked, each its own backend, each with the look-up prepared and past its custom plans', async () => {
    db = testDb(3, { keepOpen: true });
    await warmConnections(db, 3, (connection) => warmPublicLookup(db!, connection));
    expect(pool(db).numFree()).toBe(3);
    const plans = await lookupPlans(db);
    expect(new Set(plans.map((p) => p.pid)).size).toBe(3);
    for (const p of plans) expect(p.generic).toBeGreaterThanOrEqual(1);
  });

  it('a look-up after the warm-up runs on a connection already open, on the statement already prepared', async () => {
    db = testDb(2, { keepOpen: true });
    await warmConnections(db, 2, (connection) => warmPublicLookup(db!, connection));
    const before = await lookupPlans(db);
    expect(await publicLookup(db, 'no-such-number')).toBeUndefined();
    expect(pool(db).numFree()).toBe(2);
    const after = await lookupPlans(db);
    expect(after.map((p) => p.pid).sort()).toEqual(before.map((p) => p.pid).sort());
    const runs = (plans: typeof before) => plans.reduce((sum, p) => sum + p.generic + p.custom, 0);
    expect(runs(after)).toBe(runs(before) + 1);
  });

  it('keepOpen keeps idle connections through the pool’s reaping; without it they are closed', async () => {
    db = testDb(2, { keepOpen: true });
    await warmConnections(db, 2, async () => {});
    reapIdle(db);
    expect(pool(db).numFree()).toBe(2);
    await db.destroy();
    db = testDb(2);
    await warmConnections(db, 2, async () => {});
    reapIdle(db);
    expect(pool(db).numFree()).toBe(0);
  });

  it('a failing warm-up hands every connection back to the pool', async () => {
    db = testDb(2, { keepOpen: true });
    await expect(warmConnections(db, 2, async () => Promise.reject(new Error('warm-up failed')))).rejects.toThrow('warm-up failed');
    expect(pool(db).numUsed()).toBe(0);
    expect(pool(db).numFree()).toBe(2);
  });

  it('a database that cannot be reached does not keep the API from starting: it is said, and the start goes on', async () => {
    const { log, entries } = capturedLog();
    const unreachable = new URL(testDatabaseUrl());
    unreachable.port = '1';
    db = createDb(unreachable.toString(), 2, { keepOpen: true });
    await warmDatabase(db, 2, log, 5_000);
    expect(entries()).toContainEqual(expect.objectContaining({ level: 'warn', msg: expect.stringContaining('connections not warmed') }));
    expect(pool(db).numUsed()).toBe(0);
  });

  it('a database slower than the limit is not waited for', async () => {
    const { log, entries } = capturedLog();
    db = testDb(1, { keepOpen: true });
    const held = await db.client.acquireConnection(); // the pool's only connection, so the warm-up waits
    await warmDatabase(db, 1, log, 200);
    expect(entries()).toContainEqual(expect.objectContaining({ level: 'warn', msg: expect.stringContaining('within 200 ms') }));
    await db.client.releaseConnection(held);
  });
});
