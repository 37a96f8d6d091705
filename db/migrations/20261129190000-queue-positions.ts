import type { Knex } from 'knex';
import { ACTIVE_STATUSES } from '../../domain/statuses';

/**
 * R4.1, R10.2: queue positions kept current, so a look-up reads a bounded number of rows however long
 * the queue (db/queue-numbers.ts). Per queue (region, queue type, group year, category of need),
 * benefit rank and tally of the active applications ('queued': waiting; 'served': holding an offer or
 * a referral — the R10.2 ratio numbering counts them apart, R4.1 counts both), a Fenwick tree over
 * the second of registration: node j holds how many rows have their second in (j - lowbit(j), j], so
 * the count of those registered before a second is a sum over at most 32 nodes, and the root (2^32)
 * is the rank's total.
 *
 * Nodes near the root are touched by every filing of the rank, and a filing holds their row locks
 * until it commits (after the insert, its transaction still writes the history event and the document
 * records, whose snapshot reads the queue number). So each node is split in STRIPES counters, one
 * chosen by the writing transaction's id: concurrent filings of one queue mostly update different
 * rows, and a read sums the stripes of a node (one short index range); since 20261130030000 a
 * writer takes a stripe no other open transaction holds. Every statement applies its
 * changes in (queue, node) order, so two statements never wait on each other in a cycle.
 *
 * Kept by statement-level triggers with transition tables: a statement's rows are first netted per
 * second (a bulk UPDATE of 4,000 rows that leaves positions as they were changes nothing) and then
 * applied with one INSERT … ON CONFLICT, whoever writes (activities, waves, seeding, data migrations).
 */

/** 2020-01-01T00:00:00Z; slots run 2^31 seconds either side of it (1951 to 2088). */
const EPOCH = 1_577_836_800;
export const QUEUE_POSITION_ROOT = 2 ** 32;
export const QUEUE_POSITION_STRIPES = 8;

/** The slot (second) of a registration time; spelled out where rows are many, as a function call per row costs. */
const SLOT = (at: string) => `(floor(extract(epoch FROM ${at}))::bigint - ${EPOCH} + ${2 ** 31})`;

const ACTIVE = `(${ACTIVE_STATUSES.map((s) => `'${s}'`).join(', ')})`;

/** A +delta in its tally for every active row of a transition table (or applications itself). */
const contributions = (table: string, delta: number) => `
  SELECT r.region_code, r.queue_type, r.group_year, coalesce(r.need_category, '') AS need_category, r.benefit_rank,
         CASE WHEN r.status = 'queued' THEN 'queued' ELSE 'served' END AS tally, ${SLOT('r.registered_at')} AS slot, ${delta} AS delta
  FROM ${table} r
  WHERE r.status IN ${ACTIVE}`;

/**
 * Nets the contributions per second, spreads each second's change over the nodes that cover it
 * (j, j + lowbit(j), … up to the root: for each bit b of the slot, the node with bit b set and the
 * bits below it cleared, where b is the slot's lowest set bit or a clear bit above it) and adds it.
 */
const apply = (deltas: string, stripe: string) => `
  WITH d AS (${deltas}),
  s AS (
    SELECT region_code, queue_type, group_year, need_category, benefit_rank, tally, slot, sum(delta) AS delta
    FROM d GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(delta) <> 0
  )
  INSERT INTO queue_position_tree AS t (region_code, queue_type, group_year, need_category, benefit_rank, tally, node, stripe, n)
  SELECT s.region_code, s.queue_type, s.group_year, s.need_category, s.benefit_rank, s.tally,
         ((s.slot >> b) | 1) << b AS node, ${stripe}, sum(s.delta)
  FROM s CROSS JOIN generate_series(0, 32) b
  WHERE ((s.slot >> b) & 1 = 1) = (s.slot & ((1::bigint << b) - 1) = 0)
  GROUP BY 1, 2, 3, 4, 5, 6, 7
  HAVING sum(s.delta) <> 0
  ORDER BY 1, 2, 3, 4, 5, 6, 7
  ON CONFLICT (region_code, queue_type, group_year, need_category, benefit_rank, tally, node, stripe)
  DO UPDATE SET n = t.n + excluded.n`;

/** The stripe of the writing transaction's id (until 20261130030000-queue-position-free-stripes). */
export const TXID_STRIPE = `(txid_current() % ${QUEUE_POSITION_STRIPES})::smallint`;

/** The trigger function, whose writes go to the stripe `stripe` names (an SQL expression, evaluated once per statement). */
export const trackFunction = (stripe: string) => {
  const guard = (table: string) => `
    IF EXISTS (SELECT FROM ${table} WHERE ${SLOT('registered_at')} NOT BETWEEN 1 AND ${QUEUE_POSITION_ROOT - 1}) THEN
      RAISE EXCEPTION 'registered_at outside the range queue positions are kept for (1951 to 2088)';
    END IF;`;
  return `CREATE OR REPLACE FUNCTION queue_position_track() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      chosen_stripe smallint;
    BEGIN
      IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM queue_position_tree;
        RETURN NULL;
      END IF;
      chosen_stripe := ${stripe};
      IF TG_OP = 'INSERT' THEN
        ${guard('new_rows')}
        ${apply(contributions('new_rows', 1), 'chosen_stripe')};
      ELSIF TG_OP = 'UPDATE' THEN
        ${guard('new_rows')}
        ${apply(`${contributions('new_rows', 1)} UNION ALL ${contributions('old_rows', -1)}`, 'chosen_stripe')};
      ELSE -- DELETE
        ${apply(contributions('old_rows', -1), 'chosen_stripe')};
      END IF;
      RETURN NULL;
    END $$`;
};

export async function up(knex: Knex): Promise<void> {
  // No write may fall between building the tree and the triggers taking over.
  await knex.raw('LOCK TABLE applications IN SHARE ROW EXCLUSIVE MODE');
  await knex.raw(`CREATE FUNCTION queue_position_slot(at timestamptz) RETURNS bigint
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT ${SLOT('at')} $$`);
  await knex.raw(`CREATE TABLE queue_position_tree (
    region_code text NOT NULL,
    queue_type queue_type NOT NULL,
    group_year integer NOT NULL,
    need_category text NOT NULL,
    benefit_rank smallint NOT NULL,
    tally text NOT NULL CHECK (tally IN ('queued', 'served')),
    node bigint NOT NULL CHECK (node BETWEEN 1 AND ${QUEUE_POSITION_ROOT}),
    stripe smallint NOT NULL,
    n integer NOT NULL,
    PRIMARY KEY (region_code, queue_type, group_year, need_category, benefit_rank, tally, node, stripe)
  )`);
  await knex.raw(apply(contributions('applications', 1), '0::smallint'));

  await knex.raw(trackFunction(TXID_STRIPE));
  await knex.raw(`CREATE TRIGGER queue_position_insert AFTER INSERT ON applications
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION queue_position_track()`);
  await knex.raw(`CREATE TRIGGER queue_position_update AFTER UPDATE ON applications
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION queue_position_track()`);
  await knex.raw(`CREATE TRIGGER queue_position_delete AFTER DELETE ON applications
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION queue_position_track()`);
  await knex.raw(`CREATE TRIGGER queue_position_truncate AFTER TRUNCATE ON applications
    FOR EACH STATEMENT EXECUTE FUNCTION queue_position_track()`);
}

export async function down(knex: Knex): Promise<void> {
  for (const t of ['insert', 'update', 'delete', 'truncate']) await knex.raw(`DROP TRIGGER queue_position_${t} ON applications`);
  await knex.raw('DROP FUNCTION queue_position_track()');
  await knex.raw('DROP TABLE queue_position_tree');
  await knex.raw('DROP FUNCTION queue_position_slot(timestamptz)');
}
