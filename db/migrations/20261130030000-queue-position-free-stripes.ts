import type { Knex } from 'knex';
import { trackFunction, TXID_STRIPE } from './20261129190000-queue-positions';

/**
 * R4.1: a transaction that writes queue positions takes a stripe no other open transaction holds,
 * where the writing transaction's id chose one before. Filings of one queue all add to the nodes near
 * its root and hold those rows until they commit; two open at once whose ids fell on one stripe
 * waited for each other (on a 300-queued filing burst, 3.7 backends waited so on average). Now the
 * lowest free stripe, marked by a transaction-level advisory lock (never waited for: a try), and kept
 * for the transaction's later statements. Lowest, not the id's: a look-up sums every stripe of each
 * node it reads, so the fewer stripes a quiet day writes, the fewer rows a look-up reads; only a
 * burst spreads over more. With every stripe held a writer shares one (its id's) and waits, as before.
 */

/** The first key of the advisory locks that mark a stripe taken (the second is the stripe). */
export const STRIPE_LOCK_KEY = 0x6b710001;
/**
 * Stripes a writer may take: more than the filings open at once on a burst (about ten at 32 clients
 * on the bench), so that a writer seldom finds every one held. A read sums every stripe of a node,
 * adjacent in the index, so each costs it a row, not a search.
 */
export const FREE_STRIPES = 16;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE FUNCTION queue_position_stripe() RETURNS smallint LANGUAGE plpgsql VOLATILE AS $$
    DECLARE
      held text := current_setting('kq.queue_position_stripe', true);
    BEGIN
      IF held IS NOT NULL AND held <> '' THEN
        RETURN held::smallint;
      END IF;
      FOR candidate IN 0..${FREE_STRIPES - 1} LOOP
        IF pg_try_advisory_xact_lock(${STRIPE_LOCK_KEY}, candidate) THEN
          PERFORM set_config('kq.queue_position_stripe', candidate::text, true);
          RETURN candidate;
        END IF;
      END LOOP;
      RETURN (txid_current() % ${FREE_STRIPES})::smallint;
    END $$`);
  await knex.raw(trackFunction('queue_position_stripe()'));
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(trackFunction(TXID_STRIPE));
  await knex.raw('DROP FUNCTION queue_position_stripe()');
}
