import type { Knex } from 'knex';

// R4.4: a wave offers every application of one queue and group year the same places. They are kept
// once per wave and queue (a place set) and each offer names its set, rather than every offer
// carrying the list: at Almaty's scale (4,000 places, 4,000 offers) the lists alone were 16 million
// integers written three times per wave. Offers recorded before this keep their own list.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('offer_wave_place_sets', (t) => {
    t.text('wave_id').notNullable().references('offer_waves.id');
    t.integer('set_no').notNullable();
    t.specificType('place_ids', 'integer[]').notNullable();
    t.primary(['wave_id', 'set_no']);
  });
  await knex.schema.alterTable('offer_wave_applications', (t) => {
    t.integer('place_set');
  });
  await knex.raw('ALTER TABLE offer_wave_applications ALTER COLUMN place_ids DROP NOT NULL');
  await knex.raw(`ALTER TABLE offer_wave_applications ADD CONSTRAINT offer_wave_applications_places
    CHECK ((place_ids IS NULL) <> (place_set IS NULL))`);
  await knex.raw(`ALTER TABLE offer_wave_applications ADD CONSTRAINT offer_wave_applications_place_set
    FOREIGN KEY (wave_id, place_set) REFERENCES offer_wave_place_sets (wave_id, set_no)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`UPDATE offer_wave_applications o SET place_ids = s.place_ids
                    FROM offer_wave_place_sets s WHERE s.wave_id = o.wave_id AND s.set_no = o.place_set`);
  await knex.raw('ALTER TABLE offer_wave_applications DROP CONSTRAINT offer_wave_applications_place_set');
  await knex.raw('ALTER TABLE offer_wave_applications DROP CONSTRAINT offer_wave_applications_places');
  await knex.raw('ALTER TABLE offer_wave_applications ALTER COLUMN place_ids SET NOT NULL');
  await knex.schema.alterTable('offer_wave_applications', (t) => t.dropColumn('place_set'));
  await knex.schema.dropTable('offer_wave_place_sets');
}
