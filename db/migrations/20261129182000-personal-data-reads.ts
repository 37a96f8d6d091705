import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // Personal-data law: every read of an application's personal data by an operator — who, in what
  // role and region, through which route, why, for which request, and what it showed. Append-only:
  // written before the answer is sent (db/personal-data-reads.ts), never updated.
  await knex.schema.createTable('personal_data_reads', (t) => {
    t.bigIncrements('id');
    t.timestamp('read_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.specificType('reader_iin', 'char(12)').notNullable();
    t.text('reader_role').notNullable();
    // null: a national operator (every region).
    t.text('reader_region_code');
    t.text('route').notNullable();
    t.text('reason').notNullable();
    t.text('request_id');
    // What the operator asked for: the search filter, or the number of the card.
    t.jsonb('filter').notNullable();
    // The registration numbers whose personal data the answer carried; empty for a search that found nothing.
    t.specificType('shown', 'text[]').notNullable();
    t.index(['reader_iin', 'read_at']);
  });
  // "Who has read this application?": the question a data subject may ask.
  await knex.raw('CREATE INDEX personal_data_reads_shown ON personal_data_reads USING gin (shown)');

  // The operators' search (db/operator-search.ts): an exact number is the primary key; an exact
  // child IIN reads this index, in every status (the existing one holds only active applications);
  // a page of a region (or of all regions) is a range of the ordered ones, however deep the page.
  await knex.raw('CREATE INDEX applications_by_child ON applications (child_iin)');
  await knex.raw('CREATE INDEX applications_region_registered ON applications (region_code, registered_at DESC, number DESC)');
  await knex.raw('CREATE INDEX applications_registered ON applications (registered_at DESC, number DESC)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX applications_registered');
  await knex.raw('DROP INDEX applications_region_registered');
  await knex.raw('DROP INDEX applications_by_child');
  await knex.schema.dropTable('personal_data_reads');
}
