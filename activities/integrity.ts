import { ApplicationFailure } from '@temporalio/activity';
import { DOMAIN_ERRORS, type DomainError } from '../domain/errors';

/** PostgreSQL's integrity violations: check, unique, foreign key. Retrying them never helps. */
const INTEGRITY_VIOLATIONS: Record<string, string> = { '23514': 'check', '23505': 'unique', '23503': 'foreign key' };

/** Constraints that stand for a rule: a violation is that rule's refusal, as the guard before it would say. */
const CONSTRAINT_REFUSALS: Record<string, { type: DomainError; details?: Record<string, unknown> }> = {
  places_free_within_total: { type: DOMAIN_ERRORS.PLACE_TAKEN }, // R4.8
  applications_one_active_per_child: { type: DOMAIN_ERRORS.DUPLICATE_APPLICATION }, // R2.5
  referrals_one_active_per_application: { type: DOMAIN_ERRORS.NOT_ELIGIBLE, details: { reason: 'holds_referral' } },
  enrollments_one_current_per_child: { type: DOMAIN_ERRORS.NOT_ELIGIBLE, details: { reason: 'enrolled' } }, // R7.2
};

/** Any other integrity violation: a fault of ours, not to be retried, shown to the caller as such. */
export const INTEGRITY_VIOLATION = 'INTEGRITY_VIOLATION';

/** An integrity violation as a typed, non-retryable failure; undefined for any other error. */
export function integrityFailure(err: unknown): ApplicationFailure | undefined {
  const { code, constraint } = (err ?? {}) as { code?: string; constraint?: string };
  const kind = code === undefined ? undefined : INTEGRITY_VIOLATIONS[code];
  if (!kind) return undefined;
  const refusal = constraint ? CONSTRAINT_REFUSALS[constraint] : undefined;
  return ApplicationFailure.create({
    message: `the database refused the change (${kind} constraint ${constraint ?? 'unnamed'})`,
    type: refusal?.type ?? INTEGRITY_VIOLATION,
    nonRetryable: true,
    details: [{ ...refusal?.details, constraint: constraint ?? null, sqlState: code }],
  });
}

type AsyncFunctions = Record<string, (...args: any[]) => Promise<unknown>>;

/** Every activity with its integrity violations turned into typed non-retryable failures, in one place. */
export function withIntegrityFailures<T extends AsyncFunctions>(activities: T): T {
  return Object.fromEntries(
    Object.entries(activities).map(([name, fn]) => [
      name,
      async (...args: unknown[]) => {
        try {
          return await fn(...args);
        } catch (err) {
          throw integrityFailure(err) ?? err;
        }
      },
    ]),
  ) as T;
}
