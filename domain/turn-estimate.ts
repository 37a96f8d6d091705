import { ALMATY_UTC_OFFSET_MS } from './almaty-time';

/**
 * R11.2 (issue 21): when a queued application's turn may come, as a range of months, from the
 * places published for its region and group year over the last 12 full months and the places that
 * must go before its own (its number in the whole queue). Pure; the board reads the counts.
 *
 * The method, in words (the board's page and the README say the same, with a worked example):
 * - count the seats published in each of the 12 full calendar months (Asia/Almaty) before this one,
 *   months without any counting 0;
 * - with places published in fewer than 3 of those months there is no estimate: too little to go on;
 * - the fast pace is the mean of the 3 busiest months (the busiest quarter of the year), the year's
 *   pace is the year's seats ÷ 12, quiet months included;
 * - the turn needs as many places as the application's number in the whole queue (those ahead of it,
 *   and its own): at the fast pace that takes ⌈number ÷ fast pace⌉ months, the earliest; at the year's
 *   pace ⌈number ÷ year's pace⌉ months, the latest.
 * The quietest quarter is not the slow end: places come in seasons, and months without any would make
 * every range endless. An estimate, not a promise: withdrawals, benefits and new places move it.
 */

/** The months the estimate looks back over. */
export const ESTIMATE_WINDOW_MONTHS = 12;
/** Fewer months than this with published places give no estimate. */
export const MIN_MONTHS_WITH_PLACES = 3;
/** The busiest months whose mean is the fast pace: a quarter of the window. */
export const BUSIEST_MONTHS = 3;

/** A calendar month, `YYYY-MM`, in Asia/Almaty. */
export type YearMonth = string;

/** Seats published in one month. */
export interface MonthlySeats {
  month: YearMonth;
  seats: number;
}

export interface TurnEstimate {
  /** The places that must be taken for its turn to come: its number in the whole queue. */
  placesNeeded: number;
  /** The 12 months looked at, oldest first, a month without places as 0. */
  months: MonthlySeats[];
  monthsWithPlaces: number;
  /** Seats a month: the mean of the busiest three months. */
  fastPace: number;
  /** Seats a month over the whole year, quiet months included. */
  yearPace: number;
  /** Months from now: at the fast pace (earliest) and at the year's pace (latest). */
  earliestMonths: number;
  latestMonths: number;
  /** The calendar months those fall in. */
  earliestMonth: YearMonth;
  latestMonth: YearMonth;
}

const MONTH = /^(\d{4})-(\d{2})$/;

function parse(month: YearMonth): number {
  const m = MONTH.exec(month);
  if (!m) throw new Error(`not a month (YYYY-MM): ${month}`);
  return Number(m[1]) * 12 + Number(m[2]) - 1;
}

const format = (index: number): YearMonth => `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;

/** `month` moved by `n` months (negative: back). */
export const addToMonth = (month: YearMonth, n: number): YearMonth => format(parse(month) + n);

/** The Almaty month an instant falls in. */
export const almatyMonth = (instantMs: number): YearMonth => new Date(instantMs + ALMATY_UTC_OFFSET_MS).toISOString().slice(0, 7);

/** 00:00 Asia/Almaty on the first day of `month`, as an instant. */
export function startOfAlmatyMonth(month: YearMonth): number {
  const index = parse(month);
  return Date.UTC(Math.floor(index / 12), index % 12, 1) - ALMATY_UTC_OFFSET_MS;
}

/** The window looked back over from `currentMonth`: its first month, and the month after its last (this one). */
export function estimateWindow(currentMonth: YearMonth): { from: YearMonth; until: YearMonth } {
  return { from: addToMonth(currentMonth, -ESTIMATE_WINDOW_MONTHS), until: currentMonth };
}

/**
 * The range of months in which the turn of the application numbered `queueWhole` in its whole queue
 * may come, or null when fewer than 3 of the 12 months before `currentMonth` had published places.
 * `published` may hold months outside the window: they are left out.
 */
export function turnEstimate(input: { queueWhole: number; published: readonly MonthlySeats[]; currentMonth: YearMonth }): TurnEstimate | null {
  const { queueWhole, currentMonth } = input;
  if (!Number.isInteger(queueWhole) || queueWhole < 1) throw new Error(`a queue number is a positive integer, not ${queueWhole}`);
  const { from } = estimateWindow(currentMonth);
  const byMonth = new Map<YearMonth, number>();
  for (const p of input.published) byMonth.set(p.month, (byMonth.get(p.month) ?? 0) + p.seats);
  const months = Array.from({ length: ESTIMATE_WINDOW_MONTHS }, (_, i) => {
    const month = addToMonth(from, i);
    return { month, seats: byMonth.get(month) ?? 0 };
  });
  const monthsWithPlaces = months.filter((m) => m.seats > 0).length;
  if (monthsWithPlaces < MIN_MONTHS_WITH_PLACES) return null;
  const busiest = months.map((m) => m.seats).sort((a, b) => b - a).slice(0, BUSIEST_MONTHS);
  const busiestSeats = busiest.reduce((s, n) => s + n, 0);
  const yearSeats = months.reduce((s, m) => s + m.seats, 0);
  // Integer ratios: ⌈needed ÷ (seats ÷ months)⌉ = ⌈needed × months ÷ seats⌉, no rounding on the way.
  const earliestMonths = Math.ceil((queueWhole * BUSIEST_MONTHS) / busiestSeats);
  const latestMonths = Math.ceil((queueWhole * ESTIMATE_WINDOW_MONTHS) / yearSeats);
  return {
    placesNeeded: queueWhole,
    months,
    monthsWithPlaces,
    fastPace: busiestSeats / BUSIEST_MONTHS,
    yearPace: yearSeats / ESTIMATE_WINDOW_MONTHS,
    earliestMonths,
    latestMonths,
    earliestMonth: addToMonth(currentMonth, earliestMonths),
    latestMonth: addToMonth(currentMonth, latestMonths),
  };
}
