import type pg from 'pg';
import { preparedRowsOn, type Db } from '../../db/connection';
import { publicLookupQuery } from '../../db/public-board';

const STATEMENT = 'bench-lookup-plans';

/**
 * How PostgreSQL plans the public look-up at this queue's size: the API's statement, prepared on a
 * connection of the bench's own, run once for each of `numbers`, then its plans as
 * pg_prepared_statements counts them. Past the first five runs each should be generic; more custom
 * plans mean every look-up is planned afresh, as at 50,000 before d38cb2b — which only a queue of
 * this size shows (tests/db/public-lookup-plan.test.ts).
 */
export async function lookupPlans(db: Db, numbers: readonly string[]): Promise<{ generic: number; custom: number }> {
  const connection: pg.Client = await db.client.acquireConnection();
  try {
    for (const number of numbers) await preparedRowsOn(connection, STATEMENT, publicLookupQuery(db, number));
    const { rows } = await connection.query('SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = $1', [STATEMENT]);
    return { generic: Number(rows[0]?.generic_plans ?? 0), custom: Number(rows[0]?.custom_plans ?? 0) };
  } finally {
    await db.client.releaseConnection(connection);
  }
}
