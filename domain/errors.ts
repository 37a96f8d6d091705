/**
 * Errors a caller can act on. Workflows and activities throw them as `ApplicationFailure` with
 * this type; the API maps each to a problem+json `code` and HTTP status (api/problems.ts).
 */
export const DOMAIN_ERRORS = {
  DUPLICATE_APPLICATION: 'DUPLICATE_APPLICATION',
  APPLICATION_CLOSED: 'APPLICATION_CLOSED',
  ALREADY_CONFIRMED: 'ALREADY_CONFIRMED',
  UNKNOWN_REGION: 'UNKNOWN_REGION',
  /** R4.6, R7.2: under age, or enrolled in a kindergarten; `details[0].reason` says which. */
  NOT_ELIGIBLE: 'NOT_ELIGIBLE',
  /** R5.3 */
  ON_STOP_LIST: 'ON_STOP_LIST',
  /** R4.4: no offer is open for this application. */
  NO_OPEN_OFFER: 'NO_OPEN_OFFER',
  /** R4.5: the choice window has closed. */
  WINDOW_CLOSED: 'WINDOW_CLOSED',
  PLACE_NOT_OFFERED: 'PLACE_NOT_OFFERED',
  /** R4.8: the last seat went to someone else. */
  PLACE_TAKEN: 'PLACE_TAKEN',
  NO_ACTIVE_REFERRAL: 'NO_ACTIVE_REFERRAL',
  /** R5.5 */
  EXTENSION_USED: 'EXTENSION_USED',
  INVALID_EXTENSION: 'INVALID_EXTENSION',
  /** R5.6 */
  WITHDRAWAL_WINDOW_PASSED: 'WITHDRAWAL_WINDOW_PASSED',
  /** R7.1: the referral is to another kindergarten. */
  WRONG_KINDERGARTEN: 'WRONG_KINDERGARTEN',
  NOTHING_TO_CHANGE: 'NOTHING_TO_CHANGE',
  /** R4.5: the place is not (or no longer) open to free choice for this application. */
  NOT_IN_FREE_CHOICE: 'NOT_IN_FREE_CHOICE',
} as const;

export type DomainError = (typeof DOMAIN_ERRORS)[keyof typeof DOMAIN_ERRORS];

export function isDomainError(type: string | undefined | null): type is DomainError {
  return type != null && Object.values(DOMAIN_ERRORS).includes(type as DomainError);
}
