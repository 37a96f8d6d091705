import knex, { type Knex } from 'knex';
import pg from 'pg';
import { migrationSource } from './migrations';

export type Db = Knex;

// A DATE is a calendar day, not an instant: keep it as 'YYYY-MM-DD' instead of a local-time Date.
pg.types.setTypeParser(pg.types.builtins.DATE, (value: string) => value);

export function createDb(url: string, poolMax = 10): Db {
  return knex({ client: 'pg', connection: url, pool: { min: 0, max: poolMax } });
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
  const { sql, bindings } = query.toSQL().toNative();
  const connection: pg.Client = await db.client.acquireConnection();
  try {
    return (await connection.query({ name, text: sql, values: bindings as unknown[] })).rows as T[];
  } finally {
    await db.client.releaseConnection(connection);
  }
}
