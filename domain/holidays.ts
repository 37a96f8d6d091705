/**
 * Public holidays of Kazakhstan (RULES.md "Counting days", Labour Code as amended) and the days off
 * they move. This only *derives* the expected calendar to seed `calendar_days`: the calendar itself
 * is data that operators correct (decree days off and working Saturdays, the confirmed Kurban Ait
 * date), and deadlines read it from there, never from this module.
 */
import { addDays, isWeekend, type CivilDate } from './almaty-time';

export interface HolidayEntry {
  day: CivilDate;
  kind: 'holiday' | 'day_off';
  name: string;
  source: string;
}

/** Where a row of `calendar_days` came from, so that a migration can undo exactly its own rows. */
export const HOLIDAY_SOURCES = {
  /** A holiday fixed by the Labour Code. */
  labourCode: 'labour_code',
  /** A day off moved from a holiday that fell on a Saturday or Sunday. */
  transfer: 'labour_code_transfer',
  /** The first day of Kurban Ait, from KURBAN_AIT_FIRST_DAY. */
  kurbanAit: 'kurban_ait_table',
} as const;

const NEW_YEAR = 'Новый год';
const CONSTITUTION_DAY = 'День Конституции Республики Казахстан';
const NAURYZ = 'Наурыз мейрамы';
const KURBAN_AIT = 'Курбан айт';

interface FixedHoliday {
  /** `MM-DD`. */
  monthDay: string;
  name: string;
  /** Religious holidays (Jan 7, Kurban Ait) are never moved off a weekend. */
  religious?: true;
  /** First and last year (inclusive) the holiday exists; open when absent. */
  from?: number;
  until?: number;
}

/** The holidays with a fixed date. */
const FIXED_HOLIDAYS: readonly FixedHoliday[] = [
  { monthDay: '01-01', name: NEW_YEAR },
  { monthDay: '01-02', name: NEW_YEAR },
  { monthDay: '01-07', name: 'Православное Рождество', religious: true },
  { monthDay: '03-08', name: 'Международный женский день' },
  // The Constitution adopted at the referendum of 15 March 2026 moves Constitution Day to its
  // anniversary from 2027; 30 August, the day of the old one, is no holiday from 2026.
  { monthDay: '03-15', name: CONSTITUTION_DAY, from: 2027 },
  { monthDay: '03-21', name: NAURYZ },
  { monthDay: '03-22', name: NAURYZ },
  { monthDay: '03-23', name: NAURYZ },
  { monthDay: '05-01', name: 'Праздник единства народа Казахстана' },
  { monthDay: '05-07', name: 'День защитника Отечества' },
  { monthDay: '05-09', name: 'День Победы' },
  { monthDay: '07-06', name: 'День Столицы' },
  { monthDay: '08-30', name: CONSTITUTION_DAY, until: 2025 },
  { monthDay: '10-25', name: 'День Республики' },
  { monthDay: '12-16', name: 'День Независимости' },
];

/**
 * The first day of Kurban Ait, which follows the lunar calendar. These are the expected dates: each
 * year the government confirms the date on the proposal of the Spiritual Administration of Muslims
 * (ДУМК), and operators correct the `calendar_days` table if it differs. Add a year here before
 * seeding it.
 */
export const KURBAN_AIT_FIRST_DAY: Record<number, CivilDate> = Object.freeze({
  2025: '2025-06-06',
  2026: '2026-05-27',
  2027: '2027-05-16',
  2028: '2028-05-05',
  2029: '2029-04-24',
  2030: '2030-04-13',
  2031: '2031-04-02',
});

interface Holiday extends HolidayEntry {
  movable: boolean;
}

const byDay = (a: HolidayEntry, b: HolidayEntry): number => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0);

function holidaysOf(year: number): Holiday[] {
  const yyyy = String(year).padStart(4, '0');
  const fixed = FIXED_HOLIDAYS.filter((h) => (h.from ?? year) <= year && year <= (h.until ?? year)).map(
    (h): Holiday => ({
      day: `${yyyy}-${h.monthDay}`,
      kind: 'holiday',
      name: h.name,
      source: HOLIDAY_SOURCES.labourCode,
      movable: !h.religious,
    }),
  );
  const kurbanAit = KURBAN_AIT_FIRST_DAY[year];
  if (kurbanAit === undefined) {
    throw new Error(`the first day of Kurban Ait in ${year} is not known: add it to KURBAN_AIT_FIRST_DAY (domain/holidays.ts)`);
  }
  const all = [
    ...fixed,
    { day: kurbanAit, kind: 'holiday', name: KURBAN_AIT, source: HOLIDAY_SOURCES.kurbanAit, movable: false } satisfies Holiday,
  ].sort(byDay);
  for (let i = 1; i < all.length; i++) {
    // Whether two holidays on one weekday give a day off is for the law to say, not for us to guess.
    if (all[i]!.day === all[i - 1]!.day) {
      throw new Error(`${all[i - 1]!.name} and ${all[i]!.name} both fall on ${all[i]!.day}: decide the day off by hand`);
    }
  }
  return all;
}

/**
 * Holidays (kind 'holiday', name in Russian e.g. 'Наурыз мейрамы') and transferred days off (kind
 * 'day_off', name like 'Перенос выходного с 2027-03-21 (Наурыз мейрамы)') of one year, sorted by day.
 * `source`: 'labour_code' for holidays, 'labour_code_transfer' for moved days off, 'kurban_ait_table'
 * for Kurban Ait.
 */
export function publicHolidays(year: number): HolidayEntry[] {
  if (!Number.isInteger(year)) throw new RangeError(`year must be an integer, got ${year}`);
  const holidays = holidaysOf(year);
  const taken = new Set(holidays.map((h) => h.day));
  const transfers: HolidayEntry[] = [];
  // In date order, so that a run of weekend holidays (Nauryz) fills the following weekdays in turn.
  for (const h of holidays) {
    if (!h.movable || !isWeekend(h.day)) continue;
    let target = addDays(h.day, 1);
    while (isWeekend(target) || taken.has(target)) target = addDays(target, 1);
    taken.add(target);
    transfers.push({
      day: target,
      kind: 'day_off',
      name: `Перенос выходного с ${h.day} (${h.name})`,
      source: HOLIDAY_SOURCES.transfer,
    });
  }
  const entries = holidays.map(({ day, kind, name, source }): HolidayEntry => ({ day, kind, name, source }));
  return [...entries, ...transfers].sort(byDay);
}
