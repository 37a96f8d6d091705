import type { Knex } from 'knex';

// R9.1: what delivery of the notices outbox needs — when a row is next due, who holds it and until
// when (a claim's lease), why it last failed or gave up, and the Message-ID it went out with.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('notices', (t) => {
    t.timestamp('next_attempt_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('lease_until', { useTz: true });
    t.text('claimed_by');
    t.text('last_error');
    t.text('failed_reason');
    t.text('message_id');
  });
  // The claim reads due pending rows in this order; rows sent or failed leave the index.
  await knex.raw(`CREATE INDEX notices_due ON notices (next_attempt_at, id) WHERE state = 'pending'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX notices_due');
  await knex.schema.alterTable('notices', (t) => {
    t.dropColumns('next_attempt_at', 'lease_until', 'claimed_by', 'last_error', 'failed_reason', 'message_id');
  });
}
