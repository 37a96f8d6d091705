/**
 * Errors a caller can act on. Workflows throw them as `ApplicationFailure` with this type; the API
 * maps each to a problem+json `code` and HTTP status (api/problems.ts).
 */
export const DOMAIN_ERRORS = {
  DUPLICATE_APPLICATION: 'DUPLICATE_APPLICATION',
  APPLICATION_CLOSED: 'APPLICATION_CLOSED',
  ALREADY_CONFIRMED: 'ALREADY_CONFIRMED',
  UNKNOWN_REGION: 'UNKNOWN_REGION',
} as const;

export type DomainError = (typeof DOMAIN_ERRORS)[keyof typeof DOMAIN_ERRORS];
