/**
 * Civil dates and deadlines in Asia/Almaty. Kazakhstan keeps one offset, UTC+5, with no daylight
 * saving (since 1 March 2024), so the arithmetic is exact without a time-zone database — and
 * deterministic, so workflows can use it.
 */
export const ALMATY_UTC_OFFSET_MS = 5 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** A calendar date, `YYYY-MM-DD`. */
export type CivilDate = string;

export function almatyDate(instantMs: number): CivilDate {
  return new Date(instantMs + ALMATY_UTC_OFFSET_MS).toISOString().slice(0, 10);
}

function parts(date: CivilDate): [number, number, number] {
  const [y, m, d] = date.split('-').map(Number);
  return [y!, m!, d!];
}

/** 00:00 Asia/Almaty at the start of `date`, as an instant. */
export function startOfAlmatyDay(date: CivilDate): number {
  const [y, m, d] = parts(date);
  return Date.UTC(y, m - 1, d) - ALMATY_UTC_OFFSET_MS;
}

/** 24:00 Asia/Almaty at the end of `date`, as an instant. */
export function endOfAlmatyDay(date: CivilDate): number {
  return startOfAlmatyDay(date) + DAY_MS;
}

/** Day of the week of `date`: 0 = Sunday, 1 = Monday … 6 = Saturday (the numbering of `Date#getUTCDay`). */
export function weekday(date: CivilDate): number {
  const [y, m, d] = parts(date);
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}

const SATURDAY = 6;
const SUNDAY = 0;

/** Saturday or Sunday: the weekly rest days before the calendar's exceptions are applied. */
export function isWeekend(date: CivilDate): boolean {
  const dow = weekday(date);
  return dow === SATURDAY || dow === SUNDAY;
}

export function addDays(date: CivilDate, days: number): CivilDate {
  return almatyDate(startOfAlmatyDay(date) + days * DAY_MS);
}

/** Adds calendar months; a day the target month lacks becomes its last day (29 Feb → 28 Feb). */
export function addMonths(date: CivilDate, months: number): CivilDate {
  const [y, m, d] = parts(date);
  const total = y * 12 + (m - 1) + months;
  const year = Math.floor(total / 12);
  const month = (total % 12) + 1;
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const day = Math.min(d, lastDay);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** R6.1: the reconfirmation deadline of `cycle` (1, 2, …): 24:00 on that anniversary of registration. */
export function reconfirmationDeadline(registeredAtMs: number, cycle: number, monthsPerCycle: number): number {
  return endOfAlmatyDay(addMonths(almatyDate(registeredAtMs), cycle * monthsPerCycle));
}

export const days = (n: number): number => n * DAY_MS;
export const hours = (n: number): number => n * 60 * 60 * 1000;
export const minutes = (n: number): number => n * 60 * 1000;
