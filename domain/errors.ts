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
  /** R8.1: a correctional place is for another category of need than the application's. */
  NEED_CATEGORY_MISMATCH: 'NEED_CATEGORY_MISMATCH',
  /** R4.7, R10: the place's kindergarten is of a kind the region does not have on offer. */
  KIND_NOT_OFFERED: 'KIND_NOT_OFFERED',
  /** R8.1: the category of need is for correctional applications only. */
  NEED_CATEGORY_NOT_APPLICABLE: 'NEED_CATEGORY_NOT_APPLICABLE',
  /** R8.3: no correctional referral awaits a ПМПК examination (a general application, or already examined). */
  NO_EXAMINATION_PENDING: 'NO_EXAMINATION_PENDING',
  /** R8.3: the examination's deadline has passed; the referral is annulled with it. */
  EXAMINATION_DEADLINE_PASSED: 'EXAMINATION_DEADLINE_PASSED',
  /** R8.3: an `other_category` conclusion without the category the examination found. */
  INVALID_EXAMINATION: 'INVALID_EXAMINATION',
  /** R8.3: a correctional referral is registered only after a confirmed ПМПК examination. */
  EXAMINATION_PENDING: 'EXAMINATION_PENDING',
  /** R5.7: a benefit referral is registered only once the benefit is confirmed. */
  BENEFIT_NOT_CONFIRMED: 'BENEFIT_NOT_CONFIRMED',
  /** R5.7: no benefit referral awaits confirmation (no referral, no benefit, or already confirmed). */
  NO_BENEFIT_TO_CONFIRM: 'NO_BENEFIT_TO_CONFIRM',
  /** R10.2: the region's benefits are confirmed by the other role (kindergarten staff or the operator). */
  BENEFIT_CONFIRMED_BY_OTHER_ROLE: 'BENEFIT_CONFIRMED_BY_OTHER_ROLE',
  /** R5.7: the benefit document's issue date is not a real date, or lies in the future. */
  INVALID_BENEFIT_DOCUMENT_DATE: 'INVALID_BENEFIT_DOCUMENT_DATE',
} as const;

export type DomainError = (typeof DOMAIN_ERRORS)[keyof typeof DOMAIN_ERRORS];

export function isDomainError(type: string | undefined | null): type is DomainError {
  return type != null && Object.values(DOMAIN_ERRORS).includes(type as DomainError);
}
