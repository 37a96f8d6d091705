import { randomUUID } from 'node:crypto';
import { createDb, type Db, type DbOptions } from '../../db/connection';
import { createLogger, type Logger } from '../../telemetry/log';

/** The run's PostgreSQL (started by global-setup.mjs). */
export function testDatabaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: run the tests through jest (global-setup.mjs)');
  return url;
}

/** A knex on the run's PostgreSQL. Destroy it in afterAll. */
export function testDb(poolMax = 5, options?: DbOptions): Db {
  return createDb(testDatabaseUrl(), poolMax, options);
}

/**
 * A pool of one connection that PostgreSQL never answers (port 1 refuses it): for what a process does
 * while its database is down. knex's warning of each refusal goes to `log`; to no output by default.
 */
export function unreachableDb(log: Logger = createLogger({ name: 'unreachable-db', level: 'silent' })): Db {
  return createDb('postgres://nobody:nothing@127.0.0.1:1/none', 1, { log });
}

/**
 * A database of its own on the run's PostgreSQL, empty (not migrated), for a test that needs to know
 * every row; `drop` removes it.
 */
export async function scratchDb(prefix: string): Promise<{ db: Db; drop(): Promise<void> }> {
  const admin = testDb();
  const name = `${prefix}_${randomUUID().replace(/-/g, '')}`;
  await admin.raw(`CREATE DATABASE ${name}`);
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${name}`;
  const db = createDb(url.toString(), 3);
  return {
    db,
    async drop() {
      await db.destroy();
      await admin.raw(`DROP DATABASE IF EXISTS ${name}`);
      await admin.destroy();
    },
  };
}
