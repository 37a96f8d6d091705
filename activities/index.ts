import type { Client } from '@temporalio/client';
import type { ApplicationActivities } from '../contracts/activities';
import type { NoticeDeliveryActivities } from '../contracts/notices';
import type { Db } from '../db/connection';
import { createOfferActivities } from './offers';
import { createApplicationActivities } from './applications';
import { createCalendarActivities } from './calendar';
import { createChainActivities } from './chain-heads';
import { serviceCredentials, type ServiceCredentials } from './service-key';
import { loadConfig } from '../config';
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
  /** R11.3: the service's key for the chain's signed heads; by default the configured one (activities/service-key.ts), read once. */
  serviceKey?: () => Promise<ServiceCredentials>;
}

/** The configured service key, read on first use and kept. */
function configuredServiceKey(): () => Promise<ServiceCredentials> {
  let key: Promise<ServiceCredentials> | undefined;
  return () => (key ??= serviceCredentials(loadConfig()).catch((err) => {
    key = undefined;
    throw err;
  }));
}

/** Every activity the worker registers, built from its dependencies (tests pass real ones). */
export function createActivities(deps: ActivityDependencies): Activities {
  return withIntegrityFailures({
    ...(deps.delivery ? createNoticeDeliveryActivities({ db: deps.db, ...deps.delivery }) : {}),
    ...createApplicationActivities(deps),
    ...createCalendarActivities(deps),
    ...createChainActivities({ db: deps.db, credentials: deps.serviceKey ?? configuredServiceKey() }),
    ...createExaminationActivities(deps),
    ...createNoticeActivities(deps),
    ...createOfferActivities(deps),
    ...createPlaceActivities(deps),
    ...createRegionActivities(deps),
  });
}

export type Activities = ApplicationActivities & Partial<NoticeDeliveryActivities>;
