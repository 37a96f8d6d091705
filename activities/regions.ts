import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from '../db/connection';
import { DOMAIN_ERRORS } from '../domain/errors';
import { ruleSettingsSchema, type RuleSettings } from '../domain/rule-settings';

export function createRegionActivities({ db }: { db: Db }) {
  return {
    /** R10: a region's rule settings, read at each cycle so an operator's change applies from then on. */
    async loadRuleSettings(regionCode: string): Promise<RuleSettings> {
      const row = await db('regions').where({ code: regionCode }).first('settings');
      if (!row) throw ApplicationFailure.nonRetryable(`unknown region ${regionCode}`, DOMAIN_ERRORS.UNKNOWN_REGION);
      return ruleSettingsSchema.parse(row.settings);
    },
  };
}
