import type { Knex } from 'knex';

// R1.1: a login challenge is no longer a row made when it is asked for (anyone could fill the table
// by asking): it is vouched for by an HMAC (api/challenge-token.ts), and only its nonce is written,
// once, by the login that uses it. Challenges outstanding at the switch carry no MAC and are refused
// (CHALLENGE_UNKNOWN): their people ask for a new one, as after 5 minutes anyway. Nothing is copied.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.dropTable('auth_challenges');
  await knex.schema.createTable('used_login_nonces', (t) => {
    t.text('nonce').primary();
    // Kept until its challenge has expired; the logins delete what is past it, oldest first.
    t.timestamp('expires_at', { useTz: true }).notNullable().index();
    t.timestamp('used_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

// Back to a row per challenge: the nonces used go (their challenges are refused as unknown after
// the switch back, as outstanding ones were on the way here).
export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('used_login_nonces');
  await knex.schema.createTable('auth_challenges', (t) => {
    t.text('nonce').primary();
    t.timestamp('issued_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable().index();
    t.timestamp('used_at', { useTz: true });
  });
}
