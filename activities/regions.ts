import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from '../db/connection';
import { DOMAIN_ERRORS } from '../domain/errors';
import { regionSettings } from '../db/regions';
import type { RuleSettings } from '../domain/rule-settings';

export function createRegionActivities({ db }: { db: Db }) {
  return {
    /** R10: a region's rule settings, read at each cycle so an operator's change applies from then on. */
    async loadRuleSettings(regionCode: string): Promise<RuleSettings> {
      const region = await regionSettings(db, regionCode);
      if (!region) throw ApplicationFailure.nonRetryable(`unknown region ${regionCode}`, DOMAIN_ERRORS.UNKNOWN_REGION);
      return region.settings;
    },
  };
}
