import type { DeadlineNoticeRequest, WorkingDeadlineRequest } from '../contracts/activities';
import type { Db } from '../db/connection';
import { addDays, almatyDate, days } from '../domain/almaty-time';
import {
  WorkingCalendar,
  calendarHorizonDays,
  choiceWindowEnd,
  lastWorkingMorningBefore,
  workingDaysAfterDeadline,
  workingDaysDeadline,
  type CalendarDayKind,
} from '../domain/working-days';

/** The calendar exceptions around `from`: national rows, overridden by the region's own. */
async function loadCalendar(db: Db, regionCode: string, from: number, days: number): Promise<WorkingCalendar> {
  const first = almatyDate(from);
  const last = addDays(first, calendarHorizonDays(days));
  const rows: { day: string; kind: CalendarDayKind; region_code: string | null }[] = await db('calendar_days')
    .whereBetween('day', [first, last])
    .andWhere((q) => q.whereNull('region_code').orWhere('region_code', regionCode))
    .orderByRaw('region_code NULLS FIRST')
    .select('day', 'kind', 'region_code');
  const byDay = new Map(rows.map((r) => [r.day, r.kind])); // regional rows come last and win
  return new WorkingCalendar([...byDay].map(([day, kind]) => ({ day, kind })));
}

export function createCalendarActivities({ db }: { db: Db }) {
  return {
    /**
     * A working-day deadline from the calendar table as it is now. The workflow keeps the answer
     * in its history and asks again when it wakes, so a calendar change can move a deadline later.
     */
    async workingDeadline(req: WorkingDeadlineRequest): Promise<number> {
      const calendar = await loadCalendar(db, req.regionCode, req.from, req.days);
      const count = { after: workingDaysDeadline, window: choiceWindowEnd, afterDeadline: workingDaysAfterDeadline }[req.rule];
      return count(req.from, req.days, calendar);
    },

    /** R9.1: when the "deadline near" notice goes, by the calendar as it is now. */
    async deadlineNoticeAt(req: DeadlineNoticeRequest): Promise<number> {
      // A month back covers the longest run of days off before any deadline.
      const lookBack = 30;
      const calendar = await loadCalendar(db, req.regionCode, req.deadline - days(lookBack), lookBack);
      return lastWorkingMorningBefore(req.deadline, req.hour, calendar);
    },
  };
}
