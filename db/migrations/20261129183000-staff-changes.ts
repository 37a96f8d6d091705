import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // R1.2: every change of who may act and where (regions, kindergartens, staff), by whom, when,
  // what it was before and after, and the signed document that asked for it.
  await knex.schema.createTable('directory_changes', (t) => {
    t.bigIncrements('id');
    t.specificType('changed_by', 'char(12)').notNullable();
    t.timestamp('changed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('action').notNullable();
    // The region the change is in; NULL for a national operator.
    t.text('region_code').references('regions.code');
    t.text('subject').notNullable();
    t.jsonb('before');
    t.jsonb('after');
    t.bigInteger('signed_document_id').notNullable().references('signed_documents.id');
    t.index(['region_code', 'changed_at']);
  });
  // A kindergarten is closed, never deleted: places, referrals and enrolments keep naming it.
  await knex.schema.alterTable('kindergartens', (t) => {
    t.timestamp('closed_at', { useTz: true });
  });
  // The staff list is read a page at a time, newest first, with the keys of the public lists.
  await knex.schema.alterTable('staff', (t) => {
    t.timestamp('added_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  // unique (iin, role, region_code) lets NULLs repeat: one national role per person, here.
  await knex.raw('CREATE UNIQUE INDEX staff_one_national_role ON staff (iin, role) WHERE region_code IS NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX staff_one_national_role');
  await knex.schema.alterTable('staff', (t) => t.dropColumn('added_at'));
  await knex.schema.alterTable('kindergartens', (t) => t.dropColumn('closed_at'));
  await knex.schema.dropTable('directory_changes');
}
