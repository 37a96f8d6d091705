import type { Knex } from 'knex';
import { backfillChain } from '../chain-backfill';

// R11.3, upgrade: a database that had applications before 20261129200000-queue-chain gets its
// history into the chain, so the chain begins where the history does and verify-chain checks every
// application (db/chain-backfill.ts says what the backfilled entries do and do not record).
//
// A data backfill in its own file, after the schema (STYLE.md, migrations). It calls application
// code (db/chain.ts: the same mapping and append as the live system, as scripts/bench/seed.ts does)
// rather than a frozen copy: entries hashed by one definition are what verify-chain recomputes. The
// cost: if db/chain.ts changes later, a fresh upgrade backfills with the newer mapping — which is
// the one verify-chain then holds it to. A region that has entries already is skipped, so running
// it again appends nothing twice.

export async function up(knex: Knex): Promise<void> {
  // Today's append writes each entry's group year, whose column 20261130120000-chain-group-year adds
  // after this file; on an upgrade from before the chain, this runs first and needs it.
  await knex.raw('ALTER TABLE chain_entries ADD COLUMN IF NOT EXISTS group_year integer');
  for (const r of await backfillChain(knex)) {
    const undetermined = r.undeterminedStopLists ? `; ${r.undeterminedStopLists} annulments before a removal with no record of a stop-list got no stop_list_started entry` : '';
    console.info(`R11.3 chain backfill: ${r.region}, ${r.entries} entries${undetermined}`);
  }
}

// The chain is append-only (its triggers refuse deletes): rolling back leaves the backfilled
// entries, as it leaves every entry appended since; 20261129200000-queue-chain's down drops them all.
export async function down(): Promise<void> {}
