import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * R1.1: a login challenge that costs no database row until it is used. The server vouches for the
 * challenge it hands out with an HMAC over its nonce and validity window; the login that comes back
 * signed carries all four, so the server needs only its key to know the challenge is its own. The
 * nonce is written once, when a login uses it (db/challenges.ts), which is what makes it single-use.
 */

/** The current key signs; the previous one (the key before the last rotation) still verifies. */
export interface ChallengeKeys {
  current: Buffer;
  previous?: Buffer;
}

/** What the login document carries besides its root: every field the MAC covers, and the MAC. */
export type ChallengeFields = {
  nonce: string;
  issuedAt: string;
  expiresAt: string;
  mac: string;
};

const MIN_KEY_BYTES = 32;

/** 128 random bits, URL-safe: SECURITY.md asks at least 64 for a nonce. */
const randomNonce = () => randomBytes(16).toString('base64url');

// A purpose label first, so a MAC made here is never valid for anything else signed with the key.
const macOf = (key: Buffer, c: Omit<ChallengeFields, 'mac'>) =>
  createHmac('sha256', key).update(`kindergarten-queue/login-challenge/v1|${c.nonce}|${c.issuedAt}|${c.expiresAt}`).digest();

/** A new challenge, valid `ttlMs` from `now`, vouched for by the current key. */
export function issueChallenge(keys: ChallengeKeys, ttlMs: number, now = new Date()): ChallengeFields {
  const fields = { nonce: randomNonce(), issuedAt: now.toISOString(), expiresAt: new Date(now.getTime() + ttlMs).toISOString() };
  return { ...fields, mac: macOf(keys.current, fields).toString('base64url') };
}

/**
 * Whether a challenge came back as it was issued ('unknown' if its MAC matches neither key, so a
 * nonce, window or MAC made or altered by anyone else) and is still within its window.
 */
export function checkChallenge(keys: ChallengeKeys, c: ChallengeFields, now = new Date()): 'ok' | 'unknown' | 'expired' {
  const given = Buffer.from(c.mac, 'base64url');
  const ours = [keys.current, keys.previous].filter((k): k is Buffer => k !== undefined).map((k) => macOf(k, c));
  // timingSafeEqual wants equal lengths; a length is no secret (every MAC here is 32 bytes).
  if (!ours.some((mac) => mac.length === given.length && timingSafeEqual(mac, given))) return 'unknown';
  const expiresAt = Date.parse(c.expiresAt);
  return Number.isFinite(expiresAt) && now.getTime() <= expiresAt ? 'ok' : 'expired';
}

/**
 * A key as CHALLENGE_KEY gives it: hex, or base64 / base64url, of at least 32 bytes. Anything else
 * stops the process at start, naming the setting.
 */
export function parseChallengeKey(value: string, setting: string): Buffer {
  const text = value.trim();
  const bytes = /^(?:[0-9a-fA-F]{2})+$/.test(text)
    ? Buffer.from(text, 'hex')
    : /^[A-Za-z0-9+/_-]+={0,2}$/.test(text)
      ? Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64')
      : Buffer.alloc(0);
  if (bytes.length < MIN_KEY_BYTES) throw new Error(`${setting}: give at least ${MIN_KEY_BYTES} random bytes as hex or base64 (e.g. openssl rand -base64 32)`);
  return bytes;
}

/** Where a process outside production keeps the key it made itself: under the working directory. */
export const DEV_CHALLENGE_KEY_FILE = path.join('.data', 'challenge-key');

/**
 * Outside production, without CHALLENGE_KEY: 32 random bytes made once into `file` (mode 0600) and
 * read again at every start, so challenges survive a restart and every local process agrees.
 */
export function devChallengeKey(file = DEV_CHALLENGE_KEY_FILE): string {
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // Written whole under another name, then linked: a process starting alongside never reads a
    // half-written key, and of two that race the first link wins and both read its key.
    const draft = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(draft, randomBytes(32).toString('base64'), { mode: 0o600 });
    try {
      fs.linkSync(draft, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      fs.rmSync(draft, { force: true });
    }
  }
  return fs.readFileSync(file, 'utf8');
}

/**
 * The key the API signs challenges with: CHALLENGE_KEY; in production nothing else (every replica
 * must vouch for the others' challenges, and a key made on one machine would not be shared); outside
 * it, the development key of `devChallengeKey`.
 */
export function challengeKey(config: { NODE_ENV: string; CHALLENGE_KEY?: string }, devFile = DEV_CHALLENGE_KEY_FILE): string {
  if (config.CHALLENGE_KEY) return config.CHALLENGE_KEY;
  if (config.NODE_ENV === 'production') throw new Error('CHALLENGE_KEY: production signs login challenges with a key of its own (e.g. openssl rand -base64 32)');
  return devChallengeKey(devFile);
}
