import type { Knex } from 'knex';
import { ACTIVE_STATUSES } from '../domain/statuses';
import { mergedPosition } from '../domain/priority-share';
import { ruleSettingsSchema } from '../domain/rule-settings';

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

/** R10.2: how the application's region shares places, and where its group year's cycle stands. */
const SHARE = `
  SELECT a.benefit_rank, a.queue_type, r.settings -> 'priorityShare' AS priority_share, coalesce(c.position, 0) AS position
  FROM applications a
  JOIN regions r ON r.code = a.region_code
  LEFT JOIN priority_share_cycles c ON c.region_code = a.region_code AND c.group_year = a.group_year
  WHERE a.number = ?`;

/**
 * R10.2: the counts the merged order needs. Those holding an offer or a referral (active, not queued)
 * are being served: they come first, in strict order among themselves. Of the waiting (queued) ones:
 * the out-of-turn, those of the application's own category ahead of it, and all of the other
 * category (first-priority for a general application and the reverse: they may be ahead of it, or
 * fill its side's seats when it runs out).
 */
const SHARE_COUNTS = `
  SELECT a.status,
         count(o.number) FILTER (WHERE o.status <> 'queued') AS served,
         count(o.number) FILTER (WHERE o.status <> 'queued' AND (o.benefit_rank, o.registered_at, o.number) < (a.benefit_rank, a.registered_at, a.number)) AS served_ahead,
         count(o.number) FILTER (WHERE o.status = 'queued' AND o.benefit_rank = 0) AS out_of_turn,
         count(o.number) FILTER (WHERE o.status = 'queued' AND o.benefit_rank = a.benefit_rank AND (o.registered_at, o.number) < (a.registered_at, a.number)) AS ahead,
         count(o.number) FILTER (WHERE o.status = 'queued' AND o.benefit_rank = 3 - a.benefit_rank) AS other
  FROM applications a
  LEFT JOIN applications o
    ON o.region_code = a.region_code AND o.queue_type = a.queue_type AND o.group_year = a.group_year
   AND coalesce(o.need_category, '') = coalesce(a.need_category, '')
   AND o.status IN ${ACTIVE_SQL}
   AND o.number <> a.number
  WHERE a.number = ?
  GROUP BY a.number`;

/**
 * R4.1: the application's numbers. R10.2: where its region shares places by a ratio, the general
 * queue is numbered as the offers will go: first those holding an offer or a referral (strict order
 * among them), then the out-of-turn waiting, then the waiting first-priority and general ones in the
 * merged order (domain/priority-share.ts) from where the group year's cycle stands. The correctional
 * queue and the number within the category are as in strict order.
 */
export async function queueNumbers(db: Knex, number: string): Promise<QueueNumbers | undefined> {
  const row = (await db.raw(QUEUE_NUMBERS, [number])).rows[0];
  if (!row) return undefined;
  const numbers = { inQueue: Number(row.in_queue), inCategory: Number(row.in_category) };
  const share = (await db.raw(SHARE, [number])).rows[0];
  const setting = ruleSettingsSchema.shape.priorityShare.safeParse(share?.priority_share);
  if (!setting.success || setting.data.mode !== 'ratio' || share.queue_type !== 'general') return numbers;
  const c = (await db.raw(SHARE_COUNTS, [number])).rows[0];
  const rank = Number(share.benefit_rank);
  const served = Number(c.served);
  const inQueue =
    c.status !== 'queued'
      ? Number(c.served_ahead) + 1
      : rank === 0
        ? served + Number(c.ahead) + 1
        : served +
          mergedPosition({
            category: rank === 1 ? 'first_priority' : 'general',
            outOfTurn: Number(c.out_of_turn),
            aheadInCategory: Number(c.ahead),
            otherCategory: Number(c.other),
            ratio: setting.data,
            position: Number(share.position),
          });
  return { ...numbers, inQueue };
}
