import type { Knex } from 'knex';

/** The place type every portal shows today; the correctional need categories join it later. */
const NATIONAL = [{ code: 'general', name_ru: 'Общеустановленный', name_kk: 'Жалпы белгіленген' }];

export async function up(knex: Knex): Promise<void> {
  await knex('place_types').insert(NATIONAL.map((t) => ({ ...t, region_code: null }))).onConflict().ignore();
}

export async function down(knex: Knex): Promise<void> {
  await knex('place_types').whereNull('region_code').whereIn('code', NATIONAL.map((t) => t.code)).delete();
}
