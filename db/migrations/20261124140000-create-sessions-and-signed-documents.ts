import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // R1.3: a person who has logged in, and the e-mail they gave at first login.
  await knex.schema.createTable('accounts', (t) => {
    t.specificType('iin', 'char(12)').primary();
    t.text('email');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_login_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  // R1.1: one-time login challenges; a nonce is consumed by the login that uses it.
  await knex.schema.createTable('auth_challenges', (t) => {
    t.text('nonce').primary();
    t.timestamp('issued_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable().index();
    t.timestamp('used_at', { useTz: true });
  });

  // Only a hash of the bearer token is kept: a leaked table does not log anyone in.
  await knex.schema.createTable('sessions', (t) => {
    t.bigIncrements('id');
    t.text('token_hash').notNullable().unique();
    t.specificType('iin', 'char(12)').notNullable().index();
    t.enu('holder', ['individual', 'employee'], { useNative: true, enumName: 'certificate_holder' }).notNullable();
    t.text('name').notNullable();
    // The employer an employee's certificate names (OU=BIN…); staff act only for that employer.
    t.specificType('organisation_bin', 'char(12)');
    t.text('certificate_serial').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable().index();
    t.timestamp('revoked_at', { useTz: true });
  });

  // R1.2: every signed action as received, verified; its nonce is used once. Evidence for the
  // history event the action caused.
  await knex.schema.createTable('signed_documents', (t) => {
    t.bigIncrements('id');
    t.text('nonce').notNullable();
    t.text('action').notNullable();
    t.text('application_number');
    t.specificType('signer_iin', 'char(12)').notNullable();
    t.text('certificate_serial').notNullable();
    t.text('certificate_issuer').notNullable();
    t.text('xml').notNullable();
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    // A nonce is the signer's: one person cannot spend another's by guessing it.
    t.unique(['signer_iin', 'nonce']);
  });
  // A member of staff acts under the employer (BIN) their certificate must name.
  await knex.schema.alterTable('staff', (t) => {
    t.specificType('organisation_bin', 'char(12)');
  });
  await knex.schema.alterTable('application_events', (t) => {
    t.dropColumn('signed_xml');
    t.bigInteger('signed_document_id').references('signed_documents.id');
  });

  // R3.2: a parent who attached an application to their own IIN sees it too.
  await knex.schema.createTable('application_viewers', (t) => {
    t.text('application_number').notNullable().references('applications.number');
    t.specificType('parent_iin', 'char(12)').notNullable().index();
    t.timestamp('attached_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['application_number', 'parent_iin']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('staff', (t) => {
    t.dropColumn('organisation_bin');
  });
  await knex.schema.dropTable('application_viewers');
  await knex.schema.alterTable('application_events', (t) => {
    t.dropColumn('signed_document_id');
    t.text('signed_xml');
  });
  for (const table of ['signed_documents', 'sessions', 'auth_challenges', 'accounts']) await knex.schema.dropTable(table);
  await knex.raw('DROP TYPE certificate_holder');
}
