import type { Knex } from 'knex';
import { ACTIVE_STATUSES } from '../domain/statuses';
import { mergedPosition } from '../domain/priority-share';
import { ruleSettingsSchema } from '../domain/rule-settings';
import { QUEUE_POSITION_ROOT } from './migrations/20261129190000-queue-positions';

/** The active statuses as SQL, spelled as the partial index `applications_queue_order` spells them. */
export const ACTIVE_SQL = `(${ACTIVE_STATUSES.map((s) => `'${s}'`).join(', ')})`;

/** R4.1, R10.2: the application's numbers (see `queueNumbers`). */
export interface QueueNumbers {
  inQueue: number;
  inCategory: number;
}

/**
 * R4.1, R10.2: what the numbers are made of, read from the positions kept per queue, benefit rank and
 * tally (db/migrations/20261129190000-queue-positions.ts) — a bounded number of rows however long
 * the queue:
 * - `before_*`: of the application's own rank, those registered in an earlier second (the Fenwick
 *   prefix below its second: a node per set bit) plus those of its own second that sort before it by
 *   (registration time, number) — a one-second range of the `applications_need_queue_order` index;
 * - `total_*_<rank>`: each rank's whole count (the root node);
 * of all active ones (both tallies) and of the waiting ('queued' tally). The application itself is
 * never among them: it is not before itself, and a rank's total is only used for other ranks or
 * corrected for it.
 */
export const QUEUE_POSITIONS = `
  -- Materialized: inlined, the slot would be computed again for each bit of it and each row of its second.
  WITH a AS MATERIALIZED (
    SELECT a.number, a.region_code, a.queue_type, a.group_year, coalesce(a.need_category, '') AS need_category,
           a.benefit_rank, a.registered_at, a.status, queue_position_slot(a.registered_at) AS slot,
           to_timestamp(floor(extract(epoch FROM a.registered_at))) AS slot_start
    FROM applications a
    -- R4.1: only an active application has numbers; a closed one's costs its row, not its queue's nodes.
    WHERE a.number = ANY(?::text[]) AND a.status IN ${ACTIVE_SQL}
  )
  SELECT a.number, a.status, a.benefit_rank, a.queue_type,
         r.settings -> 'priorityShare' AS priority_share, coalesce(c.position, 0) AS position,
         p.active + e.active AS before_active, p.queued + e.queued AS before_queued,
         t.active_0 AS total_active_0, t.active_1 AS total_active_1, t.active_2 AS total_active_2,
         t.queued_0 AS total_queued_0, t.queued_1 AS total_queued_1, t.queued_2 AS total_queued_2
  FROM a
  JOIN regions r ON r.code = a.region_code
  LEFT JOIN priority_share_cycles c ON c.region_code = a.region_code AND c.group_year = a.group_year
  CROSS JOIN LATERAL (
    SELECT coalesce(sum(n), 0) AS active, coalesce(sum(n) FILTER (WHERE t.tally = 'queued'), 0) AS queued
    FROM queue_position_tree t
    WHERE t.region_code = a.region_code AND t.queue_type = a.queue_type AND t.group_year = a.group_year
      AND t.need_category = a.need_category AND t.benefit_rank = a.benefit_rank AND t.tally = ANY('{queued,served}')
      AND t.node = ANY(ARRAY(SELECT ((a.slot - 1) >> b) << b FROM generate_series(0, 31) b WHERE ((a.slot - 1) >> b) & 1 = 1))
  ) p
  CROSS JOIN LATERAL (
    -- Its own second: from the second's start up to itself (which is before the next second's start).
    SELECT count(*) AS active, count(*) FILTER (WHERE o.status = 'queued') AS queued
    FROM applications o
    WHERE o.region_code = a.region_code AND o.queue_type = a.queue_type AND o.group_year = a.group_year
      AND coalesce(o.need_category, '') = a.need_category AND o.status IN ${ACTIVE_SQL}
      AND o.benefit_rank = a.benefit_rank
      AND o.registered_at >= a.slot_start
      AND (o.registered_at, o.number) < (a.registered_at, a.number)
  ) e
  CROSS JOIN LATERAL (
    SELECT ${[0, 1, 2].flatMap((rank) => [`coalesce(sum(n) FILTER (WHERE t.benefit_rank = ${rank}), 0) AS active_${rank}`, `coalesce(sum(n) FILTER (WHERE t.benefit_rank = ${rank} AND t.tally = 'queued'), 0) AS queued_${rank}`]).join(',\n           ')}
    FROM queue_position_tree t
    WHERE t.region_code = a.region_code AND t.queue_type = a.queue_type AND t.group_year = a.group_year
      AND t.need_category = a.need_category AND t.benefit_rank = ANY('{0,1,2}') AND t.tally = ANY('{queued,served}')
      AND t.node = ${QUEUE_POSITION_ROOT}
  ) t`;

/** The columns of `QUEUE_POSITIONS` that `numbersOf` reads beside the application's own number, status and queue type. */
export const POSITION_COLUMNS = [
  'benefit_rank', 'priority_share', 'position', 'before_active', 'before_queued',
  ...(['active', 'queued'] as const).flatMap((tally) => [0, 1, 2].map((rank) => `total_${tally}_${rank}`)),
] as const;

export type PositionRow = { [total in `total_${'active' | 'queued'}_${0 | 1 | 2}`]: string } & {
  number: string;
  status: string;
  benefit_rank: number;
  queue_type: string;
  priority_share: unknown;
  position: number;
  before_active: string;
  before_queued: string;
};

/**
 * R4.1: the numbers in the queue and within the category are 1 + the active applications before it
 * (all of the ranks before its own, and those of its own rank before it). R10.2: where its region
 * shares places by a ratio, the general queue is numbered as the offers will go: first those holding
 * an offer or a referral (active, not queued; strict order among them), then the out-of-turn waiting,
 * then the waiting first-priority and general ones in the merged order (domain/priority-share.ts)
 * from where the group year's cycle stands. The correctional queue and the number within the
 * category are as in strict order.
 */
export function numbersOf(row: PositionRow): QueueNumbers {
  const rank = Number(row.benefit_rank);
  const total = (tally: 'active' | 'queued', r: number) => Number(row[`total_${tally}_${r as 0 | 1 | 2}`]);
  const ranksBefore = (tally: 'active' | 'queued') => [0, 1, 2].filter((r) => r < rank).reduce((sum, r) => sum + total(tally, r), 0);
  const beforeActive = Number(row.before_active);
  const numbers = { inQueue: ranksBefore('active') + beforeActive + 1, inCategory: beforeActive + 1 };
  const setting = ruleSettingsSchema.shape.priorityShare.safeParse(row.priority_share);
  if (!setting.success || setting.data.mode !== 'ratio' || row.queue_type !== 'general') return numbers;
  // Being served: active and not waiting (the application itself is not: this is used when it waits).
  const served = [0, 1, 2].reduce((sum, r) => sum + total('active', r) - total('queued', r), 0);
  const ahead = Number(row.before_queued);
  const inQueue =
    row.status !== 'queued'
      ? numbers.inQueue - ranksBefore('queued') - ahead // served ahead of it + 1
      : rank === 0
        ? served + ahead + 1
        : served +
          mergedPosition({
            category: rank === 1 ? 'first_priority' : 'general',
            outOfTurn: total('queued', 0),
            aheadInCategory: ahead,
            otherCategory: total('queued', 3 - rank),
            ratio: setting.data,
            position: Number(row.position),
          });
  return { ...numbers, inQueue };
}

/** R4.1, R10.2: the numbers of each of `numbers` that exists, in one query (for lists). */
export async function queueNumbersOf(db: Knex, numbers: readonly string[]): Promise<Map<string, QueueNumbers>> {
  if (numbers.length === 0) return new Map();
  const rows: PositionRow[] = (await db.raw(QUEUE_POSITIONS, [[...numbers]])).rows;
  return new Map(rows.map((r) => [r.number, numbersOf(r)]));
}

/** R4.1, R10.2: the application's numbers; undefined when there is no such application. */
export async function queueNumbers(db: Knex, number: string): Promise<QueueNumbers | undefined> {
  return (await queueNumbersOf(db, [number])).get(number);
}
