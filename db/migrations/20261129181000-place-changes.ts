import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // R4.2: a place staff withdrew. Its seats are set to 0 in the same statement, so nothing can take
  // or offer it; the instant says it was withdrawn rather than entered empty.
  await knex.schema.alterTable('places', (t) => {
    t.timestamp('withdrawn_at', { useTz: true });
  });
  // R4.2: every correction or withdrawal of a place: who, when, what it was and became, and why.
  await knex.schema.createTable('place_changes', (t) => {
    t.bigIncrements('id');
    t.integer('place_id').notNullable().references('places.id');
    t.enu('kind', ['correction', 'withdrawal'], { useNative: true, enumName: 'place_change_kind' }).notNullable();
    t.specificType('changed_by', 'char(12)').notNullable();
    t.timestamp('changed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.jsonb('before').notNullable();
    t.jsonb('after').notNullable();
    t.text('reason').notNullable();
    t.index(['place_id', 'changed_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('place_changes');
  await knex.raw('DROP TYPE place_change_kind');
  await knex.schema.alterTable('places', (t) => t.dropColumn('withdrawn_at'));
}
