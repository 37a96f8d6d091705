import type { Config } from '../config';

/** Lifetimes of what login and signed actions hand out. */
export interface AuthSettings {
  sessionTtlMs: number;
  challengeTtlMs: number;
  /** A signed action older than this (by its signedAt) is refused. */
  signedActionMaxAgeMs: number;
  /** Clock skew allowed for a signedAt in the future. */
  clockSkewMs: number;
}

export function authSettings(config: Pick<Config, 'SESSION_TTL_MINUTES' | 'CHALLENGE_TTL_MINUTES' | 'SIGNED_ACTION_MAX_AGE_MINUTES'>): AuthSettings {
  return {
    sessionTtlMs: config.SESSION_TTL_MINUTES * 60_000,
    challengeTtlMs: config.CHALLENGE_TTL_MINUTES * 60_000,
    signedActionMaxAgeMs: config.SIGNED_ACTION_MAX_AGE_MINUTES * 60_000,
    clockSkewMs: 2 * 60_000,
  };
}
