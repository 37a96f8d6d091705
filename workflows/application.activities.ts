import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { DOMAIN_ERRORS } from '../domain/errors';

/**
 * The activities as the application workflow calls them. Transient failures retry; the refusals
 * of domain/errors.ts do not.
 */
export const activities = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '1 minute',
    backoffCoefficient: 2,
    nonRetryableErrorTypes: Object.values(DOMAIN_ERRORS),
  },
});
