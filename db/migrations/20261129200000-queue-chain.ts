import type { Knex } from 'knex';

// R11.3: the queue's history as a hash chain per region (domain/chain.ts defines an entry and its
// hash). `chain_heads` holds each region's last entry: an append locks that row FOR UPDATE, so the
// appends of a region follow one another (seq without gap or repeat) while regions never wait for
// each other. `chain_signed_heads` keeps every head the service signed (XMLDSig) at the region's
// publication hour. `event_seq` ties an application's entry to its row in `application_events` (not
// hashed: a locator for verify-chain's cross-check of the read model).
//
// Append-only: triggers refuse UPDATE, DELETE and TRUNCATE of entries and signed heads unless the session
// sets `kq.chain_rewrite = 'on'` (`SET LOCAL kq.chain_rewrite = 'on'`). The application never sets
// it; tests that edit the history behind the system's back do, as a person with database access
// could — which is exactly what verify-chain exists to notice.

/** The session setting that lets a statement rewrite the history (tests of tampering only). */
export const CHAIN_REWRITE_SETTING = 'kq.chain_rewrite';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('chain_entries', (t) => {
    t.text('region_code').notNullable().references('regions.code');
    t.integer('seq').notNullable();
    t.specificType('prev_hash', 'char(64)').notNullable();
    t.specificType('hash', 'char(64)').notNullable();
    t.timestamp('at', { useTz: true, precision: 3 }).notNullable();
    t.text('event').notNullable();
    t.text('application_number');
    t.integer('event_seq');
    t.integer('queue_whole');
    t.integer('queue_category');
    t.text('category'); // domain/chain.ts chainCategoryOf; null for a place's events
    t.text('place_id');
    t.text('actor_role').notNullable();
    t.primary(['region_code', 'seq']);
  });
  // An application's own entries (the public look-up, verify-chain's cross-check).
  await knex.raw(`CREATE INDEX chain_entries_application ON chain_entries (application_number, seq) WHERE application_number IS NOT NULL`);
  await knex.schema.createTable('chain_heads', (t) => {
    t.text('region_code').primary().references('regions.code');
    t.integer('seq').notNullable();
    t.specificType('hash', 'char(64)').notNullable();
  });
  await knex.schema.createTable('chain_signed_heads', (t) => {
    t.text('region_code').notNullable().references('regions.code');
    t.integer('seq').notNullable();
    t.specificType('hash', 'char(64)').notNullable();
    t.timestamp('at', { useTz: true, precision: 3 }).notNullable();
    t.text('signed_xml').notNullable();
    t.primary(['region_code', 'seq', 'at']);
  });
  await knex.raw(`
    CREATE FUNCTION chain_refuse_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF coalesce(current_setting('${CHAIN_REWRITE_SETTING}', true), '') = 'on' THEN
        RETURN CASE TG_OP WHEN 'DELETE' THEN OLD WHEN 'TRUNCATE' THEN NULL ELSE NEW END;
      END IF;
      RAISE EXCEPTION 'R11.3: % is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
    END $$`);
  for (const table of ['chain_entries', 'chain_signed_heads']) {
    await knex.raw(`CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION chain_refuse_rewrite()`);
    await knex.raw(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION chain_refuse_rewrite()`);
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('chain_signed_heads');
  await knex.schema.dropTable('chain_heads');
  await knex.schema.dropTable('chain_entries');
  await knex.raw('DROP FUNCTION chain_refuse_rewrite()');
}
