import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // R10: every change of a region's settings, with who made it and when: what they sent, and the
  // settings (and contacts) as they stood after it.
  await knex.schema.createTable('region_settings_changes', (t) => {
    t.bigIncrements('id');
    t.text('region_code').notNullable().references('regions.code');
    t.specificType('changed_by', 'char(12)').notNullable();
    t.timestamp('changed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.jsonb('change').notNullable();
    t.jsonb('settings').notNullable();
    t.jsonb('contacts').notNullable();
    t.index(['region_code', 'changed_at']);
  });
  // R4.5: how the wave's window was counted, and its length, so the offers carry them (a calendar-day
  // window is never moved by the calendar). Null on waves offered before: working days, by settings.
  await knex.schema.alterTable('offer_waves', (t) => {
    t.text('window_mode');
    t.integer('window_days');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('offer_waves', (t) => {
    t.dropColumn('window_mode');
    t.dropColumn('window_days');
  });
  await knex.schema.dropTable('region_settings_changes');
}
