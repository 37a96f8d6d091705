import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // R4.4: one wave per offer run: which places it opened, to whom, until when (R4.5).
  await knex.schema.createTable('offer_waves', (t) => {
    t.text('id').primary(); // the offer run's workflow ID
    t.text('region_code').notNullable().references('regions.code');
    t.timestamp('offered_at', { useTz: true }).notNullable();
    t.timestamp('window_ends_at', { useTz: true }).notNullable();
    t.timestamp('free_choice_opened_at', { useTz: true });
  });
  await knex.schema.createTable('offer_wave_applications', (t) => {
    t.text('wave_id').notNullable().references('offer_waves.id');
    t.text('application_number').notNullable().references('applications.number');
    t.specificType('place_ids', 'integer[]').notNullable();
    t.primary(['wave_id', 'application_number']);
  });
  await knex.schema.alterTable('places', (t) => {
    t.text('offer_wave_id').references('offer_waves.id');
    // R4.5: from this instant any queued applicant of the group year may take a free seat.
    t.timestamp('free_choice_since', { useTz: true });
    t.specificType('added_by', 'char(12)');
  });
  await knex.raw('CREATE INDEX places_unpublished ON places (kindergarten_id) WHERE published_at IS NULL');
  await knex.raw('CREATE INDEX places_to_offer ON places (group_year) WHERE published_at IS NOT NULL AND offer_wave_id IS NULL');
  // R11.1: the public list of referrals shows the queue number the child had when it was issued.
  await knex.schema.alterTable('referrals', (t) => {
    t.integer('queue_number');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('referrals', (t) => t.dropColumn('queue_number'));
  await knex.raw('DROP INDEX places_to_offer');
  await knex.raw('DROP INDEX places_unpublished');
  await knex.schema.alterTable('places', (t) => t.dropColumns('offer_wave_id', 'free_choice_since', 'added_by'));
  await knex.schema.dropTable('offer_wave_applications');
  await knex.schema.dropTable('offer_waves');
}
