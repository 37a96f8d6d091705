import type { Client } from '@temporalio/client';
import type { ApplicationActivities } from '../contracts/activities';
import type { NoticeDeliveryActivities } from '../contracts/notices';
import type { Db } from '../db/connection';
import { createOfferActivities } from './offers';
import { createApplicationActivities } from './applications';
import { createCalendarActivities } from './calendar';
import { createExaminationActivities } from './examinations';
import { createPlaceActivities } from './places';
import { createNoticeActivities } from './notices';
import { createRegionActivities } from './regions';
import { withIntegrityFailures } from './integrity';
import { createNoticeDeliveryActivities, type NoticeDeliveryDependencies } from './notice-delivery';

export interface ActivityDependencies {
  db: Db;
  /** For activities that signal workflows (the offer run). */
  temporal?: Client;
  /** R9.1: the renderer, senders and settings of notice delivery; without them deliverDueNotices is not registered. */
  delivery?: Omit<NoticeDeliveryDependencies, 'db'>;
}

/** Every activity the worker registers, built from its dependencies (tests pass real ones). */
export function createActivities(deps: ActivityDependencies): Activities {
  return withIntegrityFailures({
    ...(deps.delivery ? createNoticeDeliveryActivities({ db: deps.db, ...deps.delivery }) : {}),
    ...createApplicationActivities(deps),
    ...createCalendarActivities(deps),
    ...createExaminationActivities(deps),
    ...createNoticeActivities(deps),
    ...createOfferActivities(deps),
    ...createPlaceActivities(deps),
    ...createRegionActivities(deps),
  });
}

export type Activities = ApplicationActivities & Partial<NoticeDeliveryActivities>;
