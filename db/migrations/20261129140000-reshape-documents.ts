import { randomInt } from 'node:crypto';
import type { Knex } from 'knex';

// Fixed here, not imported: a migration says what the schema was on its day.
const KINDS = ['registration_notice', 'receipt_notice', 'register_entry', 'child_card', 'referral'];
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const code = () => Array.from({ length: 20 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');

// R2.4, R5.1, R9.2: a document is a record made with the event that issues it — its snapshot (what it
// says), its verification code — and rendered later on a queue of its own: it waits `rendering` under
// the claim/lease columns the notices outbox has, then holds its bytes `ready`, or `failed` with the
// reason. A family may hold several referrals over time (one withdrawn, a later one), so a record is
// one per application, kind, language and referral. Rows made before keep their bytes, as `ready`.
export async function up(knex: Knex): Promise<void> {
  const unknown = await knex('documents').whereNotIn('kind', KINDS).distinct('kind');
  if (unknown.length) throw new Error(`documents of unknown kinds (${unknown.map((r) => r.kind).join(', ')}): give each a kind of ${KINDS.join(', ')} first`);
  await knex.raw(`CREATE TYPE document_kind AS ENUM (${KINDS.map((k) => `'${k}'`).join(', ')})`);
  await knex.raw(`CREATE TYPE document_state AS ENUM ('rendering', 'ready', 'failed')`);
  await knex.raw('ALTER TABLE documents DROP CONSTRAINT documents_application_number_kind_language_unique');
  await knex.raw(`ALTER TABLE documents
    ALTER COLUMN kind TYPE document_kind USING kind::document_kind,
    ALTER COLUMN language TYPE correspondence_language USING language::text::correspondence_language,
    ALTER COLUMN content DROP NOT NULL,
    ALTER COLUMN sha256 DROP NOT NULL,
    ALTER COLUMN media_type DROP NOT NULL`);
  await knex.schema.alterTable('documents', (t) => {
    t.bigInteger('referral_id').references('referrals.id');
    t.integer('template_version');
    t.jsonb('snapshot'); // NULL only on rows made before snapshots were kept
    t.text('verification_code');
    t.specificType('state', 'document_state').notNullable().defaultTo('ready');
    t.timestamp('issued_at', { useTz: true });
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('lease_until', { useTz: true });
    t.text('claimed_by');
    t.text('last_error');
    t.timestamp('rendered_at', { useTz: true });
  });
  for (const { id } of await knex('documents').select('id')) await knex('documents').where({ id }).update({ verification_code: code() });
  await knex('documents').update({ template_version: 0, issued_at: knex.ref('created_at'), rendered_at: knex.ref('created_at') });
  await knex.raw(`ALTER TABLE documents
    ALTER COLUMN template_version SET NOT NULL,
    ALTER COLUMN verification_code SET NOT NULL,
    ALTER COLUMN issued_at SET NOT NULL,
    ALTER COLUMN state SET DEFAULT 'rendering',
    ADD CONSTRAINT documents_verification_code_unique UNIQUE (verification_code),
    ADD CONSTRAINT documents_ready_has_content CHECK (state <> 'ready' OR (content IS NOT NULL AND sha256 IS NOT NULL AND media_type IS NOT NULL))`);
  await knex.raw('CREATE UNIQUE INDEX documents_one_per_issue ON documents (application_number, kind, language, COALESCE(referral_id, 0))');
  // The claim reads due rows in this order; rows ready or failed leave the index.
  await knex.raw(`CREATE INDEX documents_due ON documents (next_attempt_at, id) WHERE state = 'rendering'`);
}

// Back to bytes only: rows without bytes (not yet rendered, failed) go, and of several referrals'
// papers of one kind and language the latest stays.
export async function down(knex: Knex): Promise<void> {
  await knex('documents').whereNot({ state: 'ready' }).del();
  await knex.raw(`DELETE FROM documents d USING documents n
    WHERE n.application_number = d.application_number AND n.kind = d.kind AND n.language = d.language AND n.id > d.id`);
  await knex.raw('DROP INDEX documents_due');
  await knex.raw('DROP INDEX documents_one_per_issue');
  await knex.schema.alterTable('documents', (t) => {
    t.dropChecks(['documents_ready_has_content']);
    t.dropUnique(['verification_code']);
    t.dropColumns('referral_id', 'template_version', 'snapshot', 'verification_code', 'state', 'issued_at', 'attempts', 'next_attempt_at', 'lease_until', 'claimed_by', 'last_error', 'rendered_at');
  });
  await knex.raw(`ALTER TABLE documents
    ALTER COLUMN kind TYPE text,
    ALTER COLUMN language TYPE instruction_language USING language::text::instruction_language,
    ALTER COLUMN content SET NOT NULL,
    ALTER COLUMN sha256 SET NOT NULL,
    ALTER COLUMN media_type SET NOT NULL`);
  await knex.schema.alterTable('documents', (t) => t.unique(['application_number', 'kind', 'language']));
  await knex.raw('DROP TYPE document_state');
  await knex.raw('DROP TYPE document_kind');
}
