import type { Db } from './connection';

/** Used nonces of the same age or younger are kept: another API instance's clock may run this far behind. */
const KEEP_PAST_EXPIRY_MS = 10 * 60_000;
/** Expired nonces deleted by one login at most: the table shrinks with the logins, never in one long statement. */
const SWEEP_BATCH = 100;

/**
 * R1.1: uses a login challenge's nonce once. A challenge costs no row until it is used
 * (api/challenge-token.ts); then its nonce is kept until its challenge has expired, so the same
 * signed login cannot be sent twice. 'replayed' when it has been used already.
 */
export async function useChallengeNonce(db: Db, nonce: string, expiresAt: Date): Promise<'ok' | 'replayed'> {
  const inserted = await db('used_login_nonces').insert({ nonce, expires_at: expiresAt }).onConflict('nonce').ignore().returning('nonce');
  // A nonce past its challenge's expiry can never be used again (the login refuses the challenge
  // first): each login clears a few. SKIP LOCKED: logins at the same moment never wait on each other.
  await db.raw(
    `DELETE FROM used_login_nonces WHERE nonce IN (
       SELECT nonce FROM used_login_nonces WHERE expires_at < ? ORDER BY expires_at LIMIT ? FOR UPDATE SKIP LOCKED)`,
    [new Date(Date.now() - KEEP_PAST_EXPIRY_MS), SWEEP_BATCH],
  );
  return inserted.length ? 'ok' : 'replayed';
}
