import Holidays from 'date-holidays';
import { publicHolidays } from '../../domain/holidays';

/**
 * Cross-check of domain/holidays.ts against the npm package date-holidays (3.x, KZ public holidays,
 * substitute days included). Every difference is recorded here with the reason we keep ours; a new
 * difference (a package update, or a change to our rules) fails the test until it is explained.
 * The same table is in docs/holidays-crosscheck.md.
 */
const FIRST_YEAR = 2026;
const LAST_YEAR = 2031;

type Side = 'ours' | 'date-holidays';
interface Difference {
  day: string;
  /** The side that lists the day as a holiday or day off. */
  onlyIn: Side;
}

const KNOWN_DIFFERENCES: ReadonlyArray<Difference & { reason: string }> = [
  { day: '2026-03-15', onlyIn: 'date-holidays', reason: 'new Constitution Day is a holiday from 2027; 15 March 2026 is the referendum day itself' },
  { day: '2026-03-16', onlyIn: 'date-holidays', reason: 'its substitute for Sunday 15 March 2026, which is no holiday' },
  { day: '2026-03-25', onlyIn: 'ours', reason: 'Nauryz Sat 21–Sun 22: days off move to the next working days 24 and 25; the package lists 23 twice' },
  { day: '2027-03-24', onlyIn: 'ours', reason: 'Nauryz Sun 21: day off moves past Nauryz Mon–Tue to Wed 24; the package lists 23 twice' },
  { day: '2029-12-17', onlyIn: 'ours', reason: 'Independence Day on Sunday 16 Dec moves to Monday 17 (17 Dec is no holiday since 2022)' },
  { day: '2029-12-18', onlyIn: 'date-holidays', reason: 'its "if sunday then next tuesday" rule is left over from the 16–17 Dec holiday before 2022' },
];

function differences(): Difference[] {
  const found: Difference[] = [];
  const kz = new Holidays('KZ');
  for (let year = FIRST_YEAR; year <= LAST_YEAR; year++) {
    // `date` is local, 'YYYY-MM-DD hh:mm:ss[ ±hhmm]'; the package may list a day twice.
    const theirs = new Set(kz.getHolidays(year).filter((h) => h.type === 'public').map((h) => h.date.slice(0, 10)));
    const ours = new Set(publicHolidays(year).map((e) => e.day));
    for (const day of [...new Set([...theirs, ...ours])].sort()) {
      if (ours.has(day) && !theirs.has(day)) found.push({ day, onlyIn: 'ours' });
      if (theirs.has(day) && !ours.has(day)) found.push({ day, onlyIn: 'date-holidays' });
    }
  }
  return found;
}

describe('Counting days: cross-check with date-holidays', () => {
  it(`Counting days ${FIRST_YEAR}–${LAST_YEAR} differ from date-holidays only where recorded and explained`, () => {
    expect(differences()).toEqual(KNOWN_DIFFERENCES.map(({ day, onlyIn }) => ({ day, onlyIn })));
  });
});
