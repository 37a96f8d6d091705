import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // R4.2, R4.7: the place types staff may enter, as data: national rows (region NULL) and a region's own.
  await knex.schema.createTable('place_types', (t) => {
    t.increments('id');
    t.text('region_code').references('regions.code');
    t.text('code').notNullable();
    t.text('name_ru').notNullable();
    t.text('name_kk').notNullable();
  });
  await knex.raw('CREATE UNIQUE INDEX place_types_code ON place_types (region_code, code) NULLS NOT DISTINCT');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('place_types');
}
