import type { Db } from '../db/connection';
import { createApplicationActivities } from './applications';
import { createCalendarActivities } from './calendar';
import { createPlaceActivities } from './places';
import { createNoticeActivities } from './notices';
import { createRegionActivities } from './regions';

export interface ActivityDependencies {
  db: Db;
}

/** Every activity the worker registers, built from its dependencies (tests pass real ones). */
export function createActivities(deps: ActivityDependencies) {
  return {
    ...createApplicationActivities(deps),
    ...createCalendarActivities(deps),
    ...createNoticeActivities(deps),
    ...createPlaceActivities(deps),
    ...createRegionActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
