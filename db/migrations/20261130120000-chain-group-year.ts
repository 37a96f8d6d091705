import type { Knex } from 'knex';

/**
 * R11.3: each entry records the group year of the queue it concerns (domain/chain.ts), so that an
 * application or a place moved to another group year's queue in the database — behind the
 * system's back — no longer matches its entries, and verify-chain names it. Entries written before
 * keep no group year (null) and their eleven-field canonical form. The column can already exist:
 * 20261129201000-chain-backfill, which runs today's append code on an upgrade, adds it first.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE chain_entries ADD COLUMN IF NOT EXISTS group_year integer');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE chain_entries DROP COLUMN group_year');
}
