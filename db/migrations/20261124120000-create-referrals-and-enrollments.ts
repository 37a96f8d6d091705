import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // R5: a referral holds one seat of one place until it is used, annulled, withdrawn or cancelled.
  await knex.schema.createTable('referrals', (t) => {
    t.bigIncrements('id');
    t.text('application_number').notNullable().references('applications.number');
    t.integer('place_id').notNullable().references('places.id');
    t.integer('kindergarten_id').notNullable().references('kindergartens.id');
    t.timestamp('issued_at', { useTz: true }).notNullable();
    t.timestamp('deadline', { useTz: true }).notNullable();
    t.integer('extension_days');
    t.enu('state', ['active', 'used', 'annulled', 'withdrawn', 'cancelled'], { useNative: true, enumName: 'referral_state' })
      .notNullable()
      .defaultTo('active');
    t.timestamp('closed_at', { useTz: true });
    t.index(['place_id']);
  });
  await knex.raw(`CREATE UNIQUE INDEX referrals_one_active_per_application ON referrals (application_number) WHERE state = 'active'`);

  // R7: where a child is enrolled; a departure mark (R7.3) ends it.
  await knex.schema.createTable('enrollments', (t) => {
    t.bigIncrements('id');
    t.specificType('child_iin', 'char(12)').notNullable().references('persons.iin');
    t.integer('kindergarten_id').notNullable().references('kindergartens.id');
    t.text('application_number').references('applications.number');
    t.timestamp('enrolled_at', { useTz: true }).notNullable();
    t.timestamp('departed_at', { useTz: true });
    t.specificType('departure_recorded_by', 'char(12)');
  });
  await knex.raw(`CREATE UNIQUE INDEX enrollments_one_current_per_child ON enrollments (child_iin) WHERE departed_at IS NULL`);
  await knex.raw(`CREATE UNIQUE INDEX enrollments_one_per_application ON enrollments (application_number) WHERE application_number IS NOT NULL`);

  // Read-model columns of the lifecycle's running deadlines and counters (R3.3, R3.4).
  await knex.schema.alterTable('applications', (t) => {
    t.timestamp('offer_window_ends_at', { useTz: true });
    t.timestamp('referral_deadline', { useTz: true });
    t.integer('expired_referrals').notNullable().defaultTo(0);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('applications', (t) => {
    t.dropColumns('offer_window_ends_at', 'referral_deadline', 'expired_referrals');
  });
  await knex.schema.dropTable('enrollments');
  await knex.schema.dropTable('referrals');
  await knex.raw('DROP TYPE referral_state');
}
