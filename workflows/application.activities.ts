import { patched, proxyActivities, proxyLocalActivities, type RetryPolicy } from '@temporalio/workflow';
import type { ApplicationActivities as Activities } from '../contracts/activities';
import { DOMAIN_ERRORS } from '../domain/errors';

const retry: RetryPolicy = {
  initialInterval: '1 second',
  maximumInterval: '1 minute',
  backoffCoefficient: 2,
  nonRetryableErrorTypes: Object.values(DOMAIN_ERRORS),
};

/**
 * The activities as the application workflow calls them. Transient failures retry; the refusals
 * of domain/errors.ts do not.
 */
export const activities = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry });

const local = proxyLocalActivities<Activities>({ startToCloseTimeout: '30 seconds', retry });

/**
 * Short reads and the filing write run as local activities — in the worker, recorded as markers,
 * without a round trip through the server's task queues — which halves the time to file and to
 * choose. Histories recorded before this change used ordinary activities; `patched` keeps them
 * replaying as they were.
 */
export function quick(): Pick<Activities, 'loadRuleSettings' | 'recordFiling' | 'workingDeadline'> {
  return patched('local-activities-for-short-steps') ? local : activities;
}
