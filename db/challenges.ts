import { randomBytes } from 'node:crypto';
import type { Db } from './connection';

/** R1.1: a login challenge's nonce, 128 random bits, URL-safe. */
const randomNonce = () => randomBytes(16).toString('base64url');

export async function createChallenge(db: Db, ttlMs: number): Promise<{ nonce: string; issuedAt: Date; expiresAt: Date }> {
  const issuedAt = new Date();
  const expiresAt = new Date(issuedAt.getTime() + ttlMs);
  const nonce = randomNonce();
  // Old challenges are of no use to anyone: the table holds only the last day's.
  await db('auth_challenges').where('expires_at', '<', new Date(issuedAt.getTime() - 86_400_000)).delete();
  await db('auth_challenges').insert({ nonce, issued_at: issuedAt, expires_at: expiresAt });
  return { nonce, issuedAt, expiresAt };
}

/** Uses a challenge once: 'ok', or why it cannot be used. */
export async function consumeChallenge(db: Db, nonce: string): Promise<'ok' | 'unknown' | 'expired' | 'used'> {
  const used = await db('auth_challenges')
    .where({ nonce })
    .whereNull('used_at')
    .andWhere('expires_at', '>', db.fn.now())
    .update({ used_at: db.fn.now() })
    .returning('nonce');
  if (used.length) return 'ok';
  const row = await db('auth_challenges').where({ nonce }).first('used_at');
  return !row ? 'unknown' : row.used_at ? 'used' : 'expired';
}

/** Opens a session for the signer; the token is returned once and only its hash is kept. */
