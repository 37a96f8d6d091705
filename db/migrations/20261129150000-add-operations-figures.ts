import type { Knex } from 'knex';

// The service's figures (telemetry/service-figures.ts) are read at every metrics scrape: when a
// wave's offers were all signalled (its end, for the wave's duration), and indexes that let each
// count read an index instead of its table.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('offer_waves', (t) => {
    t.timestamp('offers_signalled_at', { useTz: true });
  });
  await knex.raw('CREATE INDEX applications_by_status ON applications (region_code, queue_type, status)');
  // Small: a stop-list's end clears the column.
  await knex.raw(`CREATE INDEX applications_on_stop_list ON applications (region_code, stop_list_until)
    WHERE stop_list_until IS NOT NULL AND status IN ('queued', 'turn_notified', 'referral_issued')`);
  await knex.raw('CREATE INDEX referrals_by_kindergarten_state ON referrals (kindergarten_id, state, issued_at)');
  await knex.raw('CREATE INDEX documents_by_state ON documents (state)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX documents_by_state');
  await knex.raw('DROP INDEX referrals_by_kindergarten_state');
  await knex.raw('DROP INDEX applications_on_stop_list');
  await knex.raw('DROP INDEX applications_by_status');
  await knex.schema.alterTable('offer_waves', (t) => t.dropColumn('offers_signalled_at'));
}
