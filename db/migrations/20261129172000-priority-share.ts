import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // R10.2: where the first-priority : general cycle of a region's group year stands — the position
  // the next offer wave starts from (the wave that gives seats updates it in its transaction).
  await knex.schema.createTable('priority_share_cycles', (t) => {
    t.text('region_code').notNullable().references('regions.code');
    t.integer('group_year').notNullable();
    t.integer('position').notNullable().defaultTo(0);
    t.primary(['region_code', 'group_year']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('priority_share_cycles');
}
