import type { Knex } from 'knex';

const STATUSES = ['queued', 'turn_notified', 'referral_issued', 'enrolled', 'removed'];
const ACTIVE = `status IN ('queued', 'turn_notified', 'referral_issued')`;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('regions', (t) => {
    t.text('code').primary();
    t.text('name_ru').notNullable();
    t.text('name_kk').notNullable();
    t.jsonb('settings').notNullable(); // R10: validated by domain/rule-settings.ts
    t.jsonb('contacts').notNullable().defaultTo('{}');
  });

  await knex.schema.createTable('kindergartens', (t) => {
    t.increments('id');
    t.text('region_code').notNullable().references('regions.code');
    t.text('name_ru').notNullable();
    t.text('name_kk').notNullable();
    t.enu('kind', ['state', 'private', 'village', 'mini_centre', 'correctional'], {
      useNative: true,
      enumName: 'kindergarten_kind',
    }).notNullable(); // R4.7
    t.text('address').notNullable();
    t.text('phone');
    t.double('latitude');
    t.double('longitude');
    t.index(['region_code']);
  });

  await knex.schema.createTable('places', (t) => {
    t.increments('id');
    t.integer('kindergarten_id').notNullable().references('kindergartens.id');
    t.integer('group_year').notNullable();
    t.enu('language', ['kk', 'ru'], { useNative: true, enumName: 'instruction_language' }).notNullable();
    t.text('place_type').notNullable();
    t.integer('total').notNullable();
    t.integer('free').notNullable();
    t.date('released_on').notNullable();
    t.timestamp('added_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('published_at', { useTz: true });
    t.index(['kindergarten_id']);
  });
  // R4.8: a place never has more referrals than seats.
  await knex.raw('ALTER TABLE places ADD CONSTRAINT places_free_within_total CHECK (free >= 0 AND free <= total)');

  // Mirror of the state registry of persons (ГБД ФЛ), R1.4.
  await knex.schema.createTable('persons', (t) => {
    t.specificType('iin', 'char(12)').primary();
    t.text('last_name').notNullable();
    t.text('first_name').notNullable();
    t.text('middle_name');
    t.date('birth_date').notNullable();
    t.enu('sex', ['male', 'female'], { useNative: true, enumName: 'person_sex' }).notNullable();
    t.timestamp('synced_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('person_parents', (t) => {
    t.specificType('child_iin', 'char(12)').notNullable().references('persons.iin');
    t.specificType('parent_iin', 'char(12)').notNullable().references('persons.iin');
    t.primary(['child_iin', 'parent_iin']);
    t.index(['parent_iin']);
  });

  await knex.schema.createTable('registration_counters', (t) => {
    t.text('region_code').notNullable().references('regions.code');
    t.text('queue_type').notNullable();
    t.integer('year').notNullable();
    t.integer('last').notNullable();
    t.primary(['region_code', 'queue_type', 'year']);
  });

  // The read model of applications; the workflow owns the lifecycle and writes it via activities.
  await knex.schema.createTable('applications', (t) => {
    t.text('number').primary();
    t.text('region_code').notNullable().references('regions.code');
    t.enu('queue_type', ['general', 'correctional'], { useNative: true, enumName: 'queue_type' }).notNullable();
    t.specificType('child_iin', 'char(12)').notNullable().references('persons.iin');
    t.specificType('applicant_iin', 'char(12)').notNullable().references('persons.iin');
    t.enu('benefit_category', ['out_of_turn', 'first_priority', 'none'], {
      useNative: true,
      enumName: 'benefit_category',
    }).notNullable();
    t.integer('group_year').notNullable();
    t.timestamp('registered_at', { useTz: true }).notNullable();
    t.enu('status', STATUSES, { useNative: true, enumName: 'application_status' }).notNullable();
    t.timestamp('status_changed_at', { useTz: true }).notNullable();
    t.text('status_cause').notNullable();
    t.enu('language', ['kk', 'ru'], { useNative: true, existingType: true, enumName: 'instruction_language' }).notNullable();
    t.text('email').notNullable();
    t.text('phone').notNullable();
    t.text('extra_email');
    t.text('extra_phone');
    t.timestamp('reconfirm_by', { useTz: true });
    t.timestamp('stop_list_until', { useTz: true });
    t.index(['applicant_iin']);
  });
  await knex.raw(`ALTER TABLE applications ADD COLUMN benefit_rank smallint GENERATED ALWAYS AS (
    CASE benefit_category WHEN 'out_of_turn' THEN 0 WHEN 'first_priority' THEN 1 ELSE 2 END) STORED`);
  // R2.5: one active application per child and queue type, enforced by the database too.
  await knex.raw(`CREATE UNIQUE INDEX applications_one_active_per_child
    ON applications (child_iin, queue_type) WHERE ${ACTIVE}`);
  // R4.1: queue order is read from this index.
  await knex.raw(`CREATE INDEX applications_queue_order
    ON applications (region_code, queue_type, group_year, benefit_rank, registered_at, number) WHERE ${ACTIVE}`);

  // R3.3: the change history, one row per transition.
  await knex.schema.createTable('application_events', (t) => {
    t.bigIncrements('id');
    t.text('application_number').notNullable().references('applications.number');
    t.integer('seq').notNullable();
    t.timestamp('at', { useTz: true }).notNullable();
    t.specificType('from_status', 'application_status');
    t.specificType('to_status', 'application_status').notNullable();
    t.text('cause').notNullable();
    t.text('actor').notNullable();
    t.jsonb('details').notNullable().defaultTo('{}');
    t.text('signed_xml');
    t.unique(['application_number', 'seq']);
  });

  await knex.schema.createTable('documents', (t) => {
    t.bigIncrements('id');
    t.text('application_number').notNullable().references('applications.number');
    t.text('kind').notNullable();
    t.enu('language', ['kk', 'ru'], { useNative: true, existingType: true, enumName: 'instruction_language' }).notNullable();
    t.text('media_type').notNullable();
    t.binary('content').notNullable();
    t.text('sha256').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['application_number', 'kind', 'language']);
  });

  // Outbox of e-mail and SMS notices (R9.1); a deliverer sends and marks them.
  await knex.schema.createTable('notices', (t) => {
    t.bigIncrements('id');
    t.text('idempotency_key').notNullable().unique();
    t.text('application_number').references('applications.number');
    t.text('kind').notNullable();
    t.enu('channel', ['email', 'sms'], { useNative: true, enumName: 'notice_channel' }).notNullable();
    t.text('recipient').notNullable();
    t.enu('language', ['kk', 'ru'], { useNative: true, existingType: true, enumName: 'instruction_language' }).notNullable();
    t.jsonb('payload').notNullable().defaultTo('{}');
    t.enu('state', ['pending', 'sent', 'failed'], { useNative: true, enumName: 'notice_state' })
      .notNullable()
      .defaultTo('pending');
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('sent_at', { useTz: true });
    t.index(['state', 'created_at']);
  });

  // Working-day exceptions (national when region_code is NULL): holidays, decree days off and
  // decree working days. Weekends are not rows: they follow from the date.
  await knex.schema.createTable('calendar_days', (t) => {
    t.increments('id');
    t.date('day').notNullable();
    t.text('region_code').references('regions.code');
    t.enu('kind', ['holiday', 'day_off', 'working_day'], { useNative: true, enumName: 'calendar_day_kind' }).notNullable();
    t.text('name').notNullable();
    t.text('source').notNullable();
  });
  await knex.raw(`CREATE UNIQUE INDEX calendar_days_one_per_day
    ON calendar_days (day, COALESCE(region_code, ''))`);

  await knex.schema.createTable('staff', (t) => {
    t.increments('id');
    t.specificType('iin', 'char(12)').notNullable().references('persons.iin');
    t.enu('role', ['kindergarten_staff', 'pmpk_staff', 'operator'], { useNative: true, enumName: 'staff_role' }).notNullable();
    // NULL: a national operator (the national calendar); otherwise the region the role covers.
    t.text('region_code').references('regions.code');
    t.integer('kindergarten_id').references('kindergartens.id');
    t.text('district');
    t.unique(['iin', 'role', 'region_code']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'staff',
    'calendar_days',
    'notices',
    'documents',
    'application_events',
    'applications',
    'registration_counters',
    'person_parents',
    'persons',
    'places',
    'kindergartens',
    'regions',
  ]) {
    await knex.schema.dropTable(table);
  }
  for (const type of [
    'staff_role',
    'calendar_day_kind',
    'notice_state',
    'notice_channel',
    'application_status',
    'benefit_category',
    'queue_type',
    'person_sex',
    'instruction_language',
    'kindergarten_kind',
  ]) {
    await knex.raw(`DROP TYPE ${type}`);
  }
}
