import type { CalendarChange } from '../contracts/activities';
import type { Db } from './connection';
import { startOfAlmatyDay } from '../domain/almaty-time';
import { ACTIVE_STATUSES } from '../domain/statuses';

export type { CalendarChange };

/** Active applications with a working-day deadline (window, referral, stop-list) that runs past the changed day. */
export function applicationsAffectedBy(db: Db, change: CalendarChange) {
  const from = new Date(startOfAlmatyDay(change.day));
  return db('applications')
    .whereIn('status', ACTIVE_STATUSES)
    .modify((q) => {
      if (change.regionCode) q.where('region_code', change.regionCode);
    })
    .andWhere((q) => q.where('offer_window_ends_at', '>=', from).orWhere('referral_deadline', '>=', from).orWhere('stop_list_until', '>=', from));
}
