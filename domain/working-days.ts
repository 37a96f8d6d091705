/**
 * Working days and the deadlines counted in them (RULES.md "Counting days"). Pure and deterministic:
 * workflow code imports it, so no I/O, no clock, no Intl. The calendar's exceptions are data (read
 * from `calendar_days` by an activity), never code: the law and the decrees change.
 */
import { addDays, almatyDate, endOfAlmatyDay, hours, isWeekend, startOfAlmatyDay, type CivilDate } from './almaty-time';

export type CalendarDayKind = 'holiday' | 'day_off' | 'working_day';

export interface CalendarException {
  day: CivilDate;
  kind: CalendarDayKind;
}

/** Guard against a calendar with (almost) no working days: give up rather than loop for ever. */
const MAX_SCAN_DAYS = 366 * 2;

/** calendarHorizonDays: calendar days allowed per working day, plus a margin for a long break. */
const HORIZON_DAYS_PER_WORKING_DAY = 3;
const HORIZON_MARGIN_DAYS = 30;

const CIVIL_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Mon–Fri are working days unless an exception says holiday/day_off; Sat/Sun are not unless an
 * exception says working_day (a decree working Saturday). A later exception for the same day
 * replaces an earlier one, so pass the national rows first and a region's own rows after them.
 */
export class WorkingCalendar {
  private readonly exceptions = new Map<CivilDate, CalendarDayKind>();

  constructor(exceptions: Iterable<CalendarException>) {
    for (const { day, kind } of exceptions) {
      // A Date or a timestamp here would silently never match: fail loudly instead.
      if (typeof day !== 'string' || !CIVIL_DATE.test(day)) {
        throw new TypeError(`calendar exception day must be YYYY-MM-DD, got ${String(day)}`);
      }
      this.exceptions.set(day, kind);
    }
  }

  isWorkingDay(day: CivilDate): boolean {
    const exception = this.exceptions.get(day);
    if (exception !== undefined) return exception === 'working_day';
    return !isWeekend(day);
  }
}

function assertCount(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`working-day count must be an integer >= 1, got ${n}`);
}

/** The n-th working day strictly after `day` (n >= 1). */
export function nthWorkingDayAfter(day: CivilDate, n: number, cal: WorkingCalendar): CivilDate {
  assertCount(n);
  let found = 0;
  for (let offset = 1; offset <= MAX_SCAN_DAYS; offset++) {
    const candidate = addDays(day, offset);
    if (cal.isWorkingDay(candidate) && ++found === n) return candidate;
  }
  throw new Error(`found only ${found} of ${n} working days in the ${MAX_SCAN_DAYS} days after ${day}: check the calendar`);
}

/** The n-th working day counting `day` itself as the first if it is a working day (R4.5 choice window). */
export function nthWorkingDayFrom(day: CivilDate, n: number, cal: WorkingCalendar): CivilDate {
  return nthWorkingDayAfter(addDays(day, -1), n, cal);
}

/** R5.2/R5.3/R8.3: 24:00 Asia/Almaty at the end of the n-th working day after the Almaty date of `instantMs`. */
export function workingDaysDeadline(instantMs: number, n: number, cal: WorkingCalendar): number {
  return endOfAlmatyDay(nthWorkingDayAfter(almatyDate(instantMs), n, cal));
}

/**
 * R5.3, R8.3: a count chained from another deadline. That deadline fired at 24:00 of day D, an
 * instant whose Almaty date is already D + 1; what it caused belongs to D (RULES.md "Counting
 * days"), so the count starts with the first working day after D. `firedAtMs` is that 24:00.
 */
export function workingDaysAfterDeadline(firedAtMs: number, n: number, cal: WorkingCalendar): number {
  return endOfAlmatyDay(nthWorkingDayAfter(almatyDate(firedAtMs - 1), n, cal));
}

/** R4.5: 24:00 at the end of the n-th working day of the window opened at `openedAtMs` (the opening day counts if working). */
export function choiceWindowEnd(openedAtMs: number, n: number, cal: WorkingCalendar): number {
  return endOfAlmatyDay(nthWorkingDayFrom(almatyDate(openedAtMs), n, cal));
}

/**
 * R4.5, R10 (a region's calendar-day window): the offer day is day 1 and the window closes at 24:00
 * Asia/Almaty of calendar day n — 1 day closes at the end of the offer day. No calendar is asked:
 * days off count.
 */
export function calendarWindowEnd(openedAtMs: number, n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`calendar-day window must be an integer >= 1, got ${n}`);
  return endOfAlmatyDay(addDays(almatyDate(openedAtMs), n - 1));
}

/**
 * How many calendar days ahead of `instantMs` a calendar must cover to answer for n working days
 * safely (used to bound DB reads). Generous: Kazakhstan's longest run of days off (Nauryz with its
 * transfers and a weekend) is about five days, far below three calendar days per working day.
 */
export function calendarHorizonDays(n: number): number {
  // 0 is allowed here (a region may set no stop-list, R10): the horizon is then just the margin.
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`working-day count must be an integer >= 0, got ${n}`);
  return n * HORIZON_DAYS_PER_WORKING_DAY + HORIZON_MARGIN_DAYS;
}

/** The last working day strictly before `day`. */
export function lastWorkingDayBefore(day: CivilDate, cal: WorkingCalendar): CivilDate {
  for (let offset = 1; offset <= MAX_SCAN_DAYS; offset++) {
    const candidate = addDays(day, -offset);
    if (cal.isWorkingDay(candidate)) return candidate;
  }
  throw new Error(`no working day in the ${MAX_SCAN_DAYS} days before ${day}: check the calendar`);
}

/**
 * R9.1: when the "deadline near" notice goes — `hour` o'clock, Asia/Almaty, on the last working
 * day whose morning comes before the deadline. A deadline at 24:00 belongs to the day it ends, so
 * that is the deadline's own day when it is a working day, else the working day before it.
 */
export function lastWorkingMorningBefore(deadlineMs: number, hour: number, cal: WorkingCalendar): number {
  const lastDay = almatyDate(deadlineMs - 1);
  const morningOf = (day: CivilDate) => startOfAlmatyDay(day) + hours(hour);
  const day = cal.isWorkingDay(lastDay) && morningOf(lastDay) < deadlineMs ? lastDay : lastWorkingDayBefore(lastDay, cal);
  return morningOf(day);
}
