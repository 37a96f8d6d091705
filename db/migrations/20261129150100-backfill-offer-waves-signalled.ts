import type { Knex } from 'knex';

// Waves offered before their end was recorded: the last offer their applications took up within the
// wave's window (what the application workflows recorded), or the wave's start when it offered
// nothing — so the figures see no wave still running that ended long ago.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`UPDATE offer_waves w SET offers_signalled_at = COALESCE((
      SELECT max(e.at) FROM offer_wave_applications o
      JOIN application_events e ON e.application_number = o.application_number
      WHERE o.wave_id = w.id AND e.to_status = 'turn_notified' AND e.at BETWEEN w.offered_at AND w.window_ends_at
    ), w.offered_at)
    WHERE offers_signalled_at IS NULL`);
}

// Nothing to undo: the column goes with the migration before this one.
export async function down(): Promise<void> {}
