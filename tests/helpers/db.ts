import { createDb, type Db } from '../../db/connection';

/** A knex on the run's PostgreSQL (started by global-setup.mjs). Destroy it in afterAll. */
export function testDb(): Db {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: run the tests through jest (global-setup.mjs)');
  return createDb(url, 5);
}
