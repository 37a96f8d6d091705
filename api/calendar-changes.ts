import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Db } from '../db/connection';
import { startOfAlmatyDay } from '../domain/almaty-time';
import { ACTIVE_STATUSES } from '../domain/statuses';
import { applicationWorkflowId, recomputeDeadlinesSignal } from '../workflows/application.messages';

const SIGNALS_AT_ONCE = 20;

/**
 * After an operator changes the calendar on `day`, tells every application whose working-day
 * deadline runs past that day to ask the calendar again, so the card shows the moved deadline at
 * once rather than when the old one falls due. Answers how many were told.
 */
export async function announceCalendarChange(db: Db, temporal: Client, change: { day: string; regionCode: string | null }): Promise<number> {
  const from = new Date(startOfAlmatyDay(change.day));
  const numbers: string[] = await db('applications')
    .whereIn('status', ACTIVE_STATUSES)
    .modify((q) => {
      if (change.regionCode) q.where('region_code', change.regionCode);
    })
    .andWhere((q) => q.where('offer_window_ends_at', '>=', from).orWhere('referral_deadline', '>=', from).orWhere('stop_list_until', '>=', from))
    .pluck('number');
  for (let i = 0; i < numbers.length; i += SIGNALS_AT_ONCE) {
    await Promise.all(
      numbers.slice(i, i + SIGNALS_AT_ONCE).map((n) =>
        temporal.workflow
          .getHandle(applicationWorkflowId(n))
          .signal(recomputeDeadlinesSignal)
          .catch((err) => {
            if (!(err instanceof WorkflowNotFoundError)) throw err; // closed meanwhile: nothing runs
          }),
      ),
    );
  }
  return numbers.length;
}
