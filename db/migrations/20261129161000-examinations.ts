import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // R8.3: the ПМПК examination of a correctional referral's child: one per referral, recorded by
  // the staff member of the ПМПК (district) that examined, with the signed document as evidence.
  await knex.schema.createTable('examinations', (t) => {
    t.bigIncrements('id');
    t.text('application_number').notNullable().references('applications.number');
    t.bigInteger('referral_id').notNullable().unique().references('referrals.id');
    t.timestamp('examined_at', { useTz: true }).notNullable();
    t.text('district').notNullable();
    t.specificType('examiner_iin', 'char(12)').notNullable();
    t.enu('conclusion', ['confirmed', 'other_category', 'not_needed'], { useNative: true, enumName: 'examination_conclusion' }).notNullable();
    t.text('need_category_before');
    t.text('need_category_after');
    t.bigInteger('signed_document_id').references('signed_documents.id');
    t.timestamp('recorded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['application_number']);
    t.index(['examiner_iin', 'recorded_at']);
  });
  // Read model: set while a correctional referral awaits its examination (with an extension taken
  // then, R8.4); null otherwise. The ПМПК's list of referrals to examine is ordered by it.
  await knex.schema.alterTable('applications', (t) => {
    t.timestamp('examination_due_at', { useTz: true });
  });
  await knex.raw('CREATE INDEX applications_awaiting_examination ON applications (region_code, examination_due_at) WHERE examination_due_at IS NOT NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX applications_awaiting_examination');
  await knex.schema.alterTable('applications', (t) => {
    t.dropColumn('examination_due_at');
  });
  await knex.schema.dropTable('examinations');
  await knex.raw('DROP TYPE examination_conclusion');
}
