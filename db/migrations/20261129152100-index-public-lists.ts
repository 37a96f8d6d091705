import type { Knex } from 'knex';

// R11.1: the public lists are read a page at a time, newest first, after a (time, id) cursor
// (db/public-board.ts): each page is a range of one of these indexes, however deep the page.
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX places_published_order ON places (published_at DESC, id DESC) WHERE published_at IS NOT NULL');
  await knex.raw('CREATE INDEX referrals_issued_order ON referrals (issued_at DESC, id DESC)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX referrals_issued_order');
  await knex.raw('DROP INDEX places_published_order');
}
