import { inspect } from 'node:util';
import knex, { type Knex } from 'knex';
import pg from 'pg';
import type { Logger } from '../telemetry/log';
import { migrationSource } from './migrations';

export type Db = Knex;

// A DATE is a calendar day, not an instant: keep it as 'YYYY-MM-DD' instead of a local-time Date.
pg.types.setTypeParser(pg.types.builtins.DATE, (value: string) => value);

export interface DbOptions {
  /**
   * Keep every connection once opened (the pool's minimum is its maximum), for a process that
   * answers the public: a connection opened under load puts its first statements, slow on a new
   * PostgreSQL backend, into the answers' tail.
   */
  keepOpen?: boolean;
  /**
   * Where knex's own warnings go (a connection the pool could not open, a deprecation): the
   * process's logger, as JSON lines at warn. Absent, knex prints them to stdout as plain text, which
   * a process whose stdout is JSON lines (the API, the worker) must not do.
   */
  log?: Logger;
}

const knexLog = (log: Logger): Knex.Config['log'] => {
  const line = (level: 'warn' | 'error' | 'debug') => (message: unknown) => log[level]({ component: 'knex' }, typeof message === 'string' ? message : inspect(message));
  return { warn: line('warn'), error: line('error'), deprecate: line('warn'), debug: line('debug') };
};

export function createDb(url: string, poolMax = 10, { keepOpen = false, log }: DbOptions = {}): Db {
  return knex({ client: 'pg', connection: url, pool: { min: keepOpen ? poolMax : 0, max: poolMax }, ...(log ? { log: knexLog(log) } : {}) });
}

export async function migrateLatest(db: Db): Promise<void> {
  await db.migrate.latest({ migrationSource });
}

export async function migrateRollbackAll(db: Db): Promise<void> {
  await db.migrate.rollback({ migrationSource }, true);
}

/**
 * Runs `query` as a named prepared statement on one of the pool's connections: PostgreSQL plans it
 * once per connection instead of on every call. For a hot query of constant text (the public
 * look-up), whose planning costs more than its execution. `name` must always go with the same text.
 */
export async function preparedRows<T>(db: Db, name: string, query: Knex.QueryBuilder | Knex.Raw): Promise<T[]> {
  const connection: pg.Client = await db.client.acquireConnection();
  try {
    return await preparedRowsOn<T>(connection, name, query);
  } finally {
    await db.client.releaseConnection(connection);
  }
}

/** `preparedRows` on a connection the caller holds. */
export async function preparedRowsOn<T>(connection: pg.Client, name: string, query: Knex.QueryBuilder | Knex.Raw): Promise<T[]> {
  const { sql, bindings } = query.toSQL().toNative();
  return (await connection.query({ name, text: sql, values: bindings as unknown[] })).rows as T[];
}

/**
 * Opens `size` of the pool's connections at once (all held before any is released, so each is a
 * connection of its own) and runs `warm` on each: a new PostgreSQL backend's first statements load
 * its catalog caches and plan afresh (13–16 ms for the public look-up's first, against 1 ms after),
 * which is better paid before the first request than by it. With `keepOpen` the pool keeps them.
 */
export async function warmConnections(db: Db, size: number, warm: (connection: pg.Client) => Promise<unknown>): Promise<void> {
  const acquired = await Promise.allSettled(Array.from({ length: size }, (): Promise<pg.Client> => db.client.acquireConnection()));
  const held = acquired.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
  try {
    const failed = acquired.find((a): a is PromiseRejectedResult => a.status === 'rejected');
    if (failed) throw failed.reason;
    await Promise.all(held.map(warm));
  } finally {
    await Promise.all(held.map((c) => db.client.releaseConnection(c)));
  }
}
