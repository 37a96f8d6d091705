import type { Client } from '@temporalio/client';
import type { ApplicationActivities } from '../contracts/activities';
import type { Db } from '../db/connection';
import { createOfferActivities } from './offers';
import { createApplicationActivities } from './applications';
import { createCalendarActivities } from './calendar';
import { createPlaceActivities } from './places';
import { createNoticeActivities } from './notices';
import { createRegionActivities } from './regions';
import { withIntegrityFailures } from './integrity';

export interface ActivityDependencies {
  db: Db;
  /** For activities that signal workflows (the offer run). */
  temporal?: Client;
}

/** Every activity the worker registers, built from its dependencies (tests pass real ones). */
export function createActivities(deps: ActivityDependencies): ApplicationActivities {
  return withIntegrityFailures({
    ...createApplicationActivities(deps),
    ...createCalendarActivities(deps),
    ...createNoticeActivities(deps),
    ...createOfferActivities(deps),
    ...createPlaceActivities(deps),
    ...createRegionActivities(deps),
  });
}

export type Activities = ApplicationActivities;
