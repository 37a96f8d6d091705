import { ApplicationFailure } from '@temporalio/workflow';
import type { DomainError } from '../domain/errors';

/** Refuses an action with a typed failure that the API turns into a problem `code`. */
export function refuse(type: DomainError, message: string, details?: Record<string, unknown>): never {
  throw ApplicationFailure.create({ type, message, details: details ? [details] : undefined, nonRetryable: true });
}
