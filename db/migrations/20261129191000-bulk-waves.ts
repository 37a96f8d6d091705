import type { Knex } from 'knex';

// R4.4: the wave in bulk. The offer run records each offered application's event, read-model change
// and notices itself, in chunks; each application workflow then only takes up (or refuses) the offer.
// A wave application remembers how far that went (`delivery`: null while chosen; `recorded` with the
// event's `seq` and the read-model values the wave replaced, `prior`, so a refusal can put them back;
// then `accepted` or `refused`; `not_offered` when it was no longer queued at recording). Its notices
// wait `held` until its workflow has accepted: a refused offer's are deleted, never sent.
// ALTER TYPE … ADD VALUE must be committed before an index can name the value: no transaction.
export const config = { transaction: false };

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TYPE notice_state ADD VALUE IF NOT EXISTS 'held'`);
  await knex.schema.alterTable('offer_wave_applications', (t) => {
    t.integer('seq');
    t.text('delivery');
    t.jsonb('prior');
  });
  await knex.raw(`ALTER TABLE offer_wave_applications ADD CONSTRAINT offer_wave_applications_delivery
    CHECK (delivery IN ('recorded', 'not_offered', 'accepted', 'refused') AND (delivery = 'not_offered') = (seq IS NULL))`);
  // A workflow's own transition that finds its seq taken looks the wave's record up by it.
  await knex.raw(`CREATE INDEX offer_wave_applications_recorded ON offer_wave_applications (application_number, seq) WHERE delivery = 'recorded'`);
  await knex.schema.alterTable('notices', (t) => {
    t.text('offer_wave_id').references('offer_waves.id');
  });
  await knex.raw(`CREATE INDEX notices_held ON notices (offer_wave_id, application_number) WHERE state = 'held'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX notices_held');
  // A value cannot leave an enum type: rows held by an unfinished wave go out as ordinary notices.
  await knex('notices').where({ state: 'held' }).update({ state: 'pending' });
  await knex.schema.alterTable('notices', (t) => t.dropColumn('offer_wave_id'));
  await knex.raw('DROP INDEX offer_wave_applications_recorded');
  await knex.raw('ALTER TABLE offer_wave_applications DROP CONSTRAINT offer_wave_applications_delivery');
  await knex.schema.alterTable('offer_wave_applications', (t) => t.dropColumns('seq', 'delivery', 'prior'));
}
