import type { WorkingDeadlineRequest } from '../contracts/activities';
import type { Db } from '../db/connection';
import { addDays, almatyDate } from '../domain/almaty-time';
import {
  WorkingCalendar,
  calendarHorizonDays,
  choiceWindowEnd,
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
  };
}
