import type { Knex } from 'knex';
import { ACTIVE_STATUSES } from '../domain/statuses';

/** The active statuses as SQL, spelled as the partial index `applications_queue_order` spells them. */
export const ACTIVE_SQL = `(${ACTIVE_STATUSES.map((s) => `'${s}'`).join(', ')})`;

/**
 * R4.1: an application's number in its queue (region, queue type, group year and — R8.1, in the
 * correctional queue — category of need) and within its benefit category: 1 + the active
 * applications that sort before it by benefit category, then registration time (the number breaks
 * exact ties). Those of its own benefit category are a subset of those, so one range scan of the
 * `applications_need_queue_order` index counts both; general applications have no category of
 * need, and `coalesce` puts them all in one range of it.
 */
const QUEUE_NUMBERS = `
  SELECT count(o.number) + 1 AS in_queue,
         count(o.number) FILTER (WHERE o.benefit_rank = a.benefit_rank) + 1 AS in_category
  FROM applications a
  LEFT JOIN applications o
    ON o.region_code = a.region_code AND o.queue_type = a.queue_type AND o.group_year = a.group_year
   AND coalesce(o.need_category, '') = coalesce(a.need_category, '')
   AND o.status IN ${ACTIVE_SQL}
   AND (o.benefit_rank, o.registered_at, o.number) < (a.benefit_rank, a.registered_at, a.number)
  WHERE a.number = ?
  GROUP BY a.number`;

export interface QueueNumbers {
  inQueue: number;
  inCategory: number;
}

export async function queueNumbers(db: Knex, number: string): Promise<QueueNumbers | undefined> {
  const row = (await db.raw(QUEUE_NUMBERS, [number])).rows[0];
  return row && { inQueue: Number(row.in_queue), inCategory: Number(row.in_category) };
}
