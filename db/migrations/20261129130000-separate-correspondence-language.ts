import type { Knex } from 'knex';

// R9.1: the language an application is written to the family in is not the language a group is
// taught in, though both are Kazakh or Russian today: each column gets a type of its own, so one
// can change (say, a group taught in English) without the other.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE TYPE correspondence_language AS ENUM ('kk', 'ru')`);
  for (const table of ['applications', 'notices']) {
    await knex.raw(`ALTER TABLE ${table} ALTER COLUMN language TYPE correspondence_language USING language::text::correspondence_language`);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['applications', 'notices']) {
    await knex.raw(`ALTER TABLE ${table} ALTER COLUMN language TYPE instruction_language USING language::text::instruction_language`);
  }
  await knex.raw('DROP TYPE correspondence_language');
}
