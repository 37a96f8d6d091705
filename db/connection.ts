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
