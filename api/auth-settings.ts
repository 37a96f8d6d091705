import type { Config } from '../config';
import { parseChallengeKey, type ChallengeKeys } from './challenge-token';

/** Lifetimes of what login and signed actions hand out, and the key login challenges are vouched for with. */
export interface AuthSettings {
  sessionTtlMs: number;
  challengeTtlMs: number;
  /** A signed action older than this (by its signedAt) is refused. */
  signedActionMaxAgeMs: number;
  /** Clock skew allowed for a signedAt in the future. */
  clockSkewMs: number;
  /** R1.1: the HMAC keys of login challenges (api/challenge-token.ts). */
  challengeKeys: ChallengeKeys;
}

type AuthConfig = Pick<Config, 'SESSION_TTL_MINUTES' | 'CHALLENGE_TTL_MINUTES' | 'SIGNED_ACTION_MAX_AGE_MINUTES' | 'CHALLENGE_KEY_PREVIOUS'> & {
  /** Required here: outside production, api/main.ts supplies the development key when the setting is unset. */
  CHALLENGE_KEY: string;
};

export function authSettings(config: AuthConfig): AuthSettings {
  return {
    sessionTtlMs: config.SESSION_TTL_MINUTES * 60_000,
    challengeTtlMs: config.CHALLENGE_TTL_MINUTES * 60_000,
    signedActionMaxAgeMs: config.SIGNED_ACTION_MAX_AGE_MINUTES * 60_000,
    clockSkewMs: 2 * 60_000,
    challengeKeys: {
      current: parseChallengeKey(config.CHALLENGE_KEY, 'CHALLENGE_KEY'),
      previous: config.CHALLENGE_KEY_PREVIOUS === undefined ? undefined : parseChallengeKey(config.CHALLENGE_KEY_PREVIOUS, 'CHALLENGE_KEY_PREVIOUS'),
    },
  };
}
