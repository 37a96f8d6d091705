import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // R4.7: the languages a kindergarten teaches in (each place carries its own); empty until known.
  await knex.raw(`ALTER TABLE kindergartens ADD COLUMN languages instruction_language[] NOT NULL DEFAULT '{}'`);
  // R4.7: the public list of kindergartens is read a page at a time, newest first, as the other
  // public lists are (R11.1); rows there before this migration share its instant, their id orders them.
  await knex.schema.alterTable('kindergartens', (t) => {
    t.timestamp('added_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE INDEX kindergartens_region_list ON kindergartens (region_code, added_at DESC, id DESC)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX kindergartens_region_list');
  await knex.schema.alterTable('kindergartens', (t) => t.dropColumns('languages', 'added_at'));
}
