import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import type { Db } from '../db/connection';
import { allRegionSettings } from '../db/regions';
import type { RuleSettings } from '../domain/rule-settings';
import { APPLICATION_TASK_QUEUE } from '../contracts/application';
import { scheduleId, type DailyRun } from '../contracts/offer';

export const SCHEDULE_TIME_ZONE = 'Asia/Almaty';

/**
 * A run a day at the region's hour (R4.3 18:00, R4.4 07:00 by default), in Almaty time. Overlap
 * ALLOW_ALL: an offer run lives through its three-working-day window while the next mornings' runs
 * offer other places. Catch-up window of one day: a run missed during an outage still starts, once,
 * when the service is back within the day (a longer outage skips to the next day's run).
 */
export function dailyRunSchedule(run: DailyRun, regionCode: string, hour: number): ScheduleOptions {
  return {
    scheduleId: scheduleId(run, regionCode),
    spec: { calendars: [{ hour, minute: 0, second: 0 }], timezone: SCHEDULE_TIME_ZONE },
    action: {
      type: 'startWorkflow',
      workflowType: run === 'publish' ? 'publishPlacesWorkflow' : 'offerPlacesWorkflow',
      workflowId: scheduleId(run, regionCode),
      taskQueue: APPLICATION_TASK_QUEUE,
      args: [{ regionCode }],
    },
    policies: { overlap: ScheduleOverlapPolicy.ALLOW_ALL, catchupWindow: '1 day' },
    memo: { regionCode, run },
  };
}

/** Creates or updates, idempotently, a region's publication and offer schedules at its hours. */
export async function ensureRegionSchedules(client: Client, regionCode: string, settings: RuleSettings): Promise<string[]> {
  const ids: string[] = [];
  for (const [run, hour] of [['publish', settings.publicationHour], ['offer', settings.offerHour]] as const) {
    const options = dailyRunSchedule(run, regionCode, hour);
    try {
      await client.schedule.create(options);
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      await client.schedule.getHandle(options.scheduleId).update((previous) => ({
        ...previous,
        spec: options.spec,
        action: options.action,
        policies: options.policies,
      }));
    }
    ids.push(options.scheduleId);
  }
  return ids;
}

/** Every region's schedules (the worker at start). */
export async function ensureDailySchedules(client: Client, db: Db): Promise<string[]> {
  const ids: string[] = [];
  for (const region of await allRegionSettings(db)) ids.push(...(await ensureRegionSchedules(client, region.code, region.settings)));
  return ids;
}
