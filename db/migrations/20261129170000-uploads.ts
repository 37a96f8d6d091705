import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // R2.3, R6.2: the supporting documents of a benefit category, uploaded before the signed action
  // that names them (by ID and SHA-256); linked to the application when that action takes effect.
  await knex.schema.createTable('uploads', (t) => {
    t.bigIncrements('id');
    t.specificType('owner_iin', 'char(12)').notNullable();
    t.text('media_type').notNullable();
    t.integer('size').notNullable();
    t.specificType('sha256', 'char(64)').notNullable();
    t.binary('content').notNullable();
    t.timestamp('uploaded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    // Null until a signed action uses the upload; then the application it is attached to.
    t.text('application_number');
    t.timestamp('used_at', { useTz: true });
    t.index(['owner_iin', 'used_at']);
    t.index(['application_number']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('uploads');
}
