import { isWeekend } from '../../domain/almaty-time';
import { HOLIDAY_SOURCES, KURBAN_AIT_FIRST_DAY, publicHolidays } from '../../domain/holidays';

// RULES.md "Counting days" has no rule ID of its own; its tests are named after the section.
const days = (year: number) => publicHolidays(year).map((e) => e.day);
const entry = (year: number, day: string) => publicHolidays(year).find((e) => e.day === day);

describe('Counting days: public holidays of Kazakhstan', () => {
  it('Counting days 2027 in full: Constitution Day on 15 March, Nauryz 21–23 March with the Sunday moved to Wednesday 24 March', () => {
    expect(publicHolidays(2027).map(({ day, kind, source }) => `${day} ${kind} ${source}`)).toEqual([
      '2027-01-01 holiday labour_code',
      '2027-01-02 holiday labour_code',
      '2027-01-04 day_off labour_code_transfer', // Saturday 2 January
      '2027-01-07 holiday labour_code',
      '2027-03-08 holiday labour_code',
      '2027-03-15 holiday labour_code', // a Monday
      '2027-03-21 holiday labour_code', // a Sunday
      '2027-03-22 holiday labour_code',
      '2027-03-23 holiday labour_code',
      '2027-03-24 day_off labour_code_transfer', // from Sunday 21 March, past Nauryz Mon–Tue
      '2027-05-01 holiday labour_code', // a Saturday
      '2027-05-03 day_off labour_code_transfer',
      '2027-05-07 holiday labour_code',
      '2027-05-09 holiday labour_code', // a Sunday
      '2027-05-10 day_off labour_code_transfer',
      '2027-05-16 holiday kurban_ait_table', // a Sunday, religious: not moved
      '2027-07-06 holiday labour_code',
      '2027-10-25 holiday labour_code',
      '2027-12-16 holiday labour_code',
    ]);
    expect(entry(2027, '2027-03-15')?.name).toBe('День Конституции Республики Казахстан');
    expect(entry(2027, '2027-03-22')?.name).toBe('Наурыз мейрамы');
    expect(entry(2027, '2027-03-24')?.name).toBe('Перенос выходного с 2027-03-21 (Наурыз мейрамы)');
  });

  it('Counting days 2026 has neither 15 March (the referendum day) nor 30 August (the old Constitution Day)', () => {
    expect(days(2026)).not.toContain('2026-03-15');
    expect(days(2026)).not.toContain('2026-03-16');
    expect(days(2026)).not.toContain('2026-08-30');
    expect(days(2026)).not.toContain('2026-08-31');
  });

  it('Counting days 2025 still has 30 August, moved from Saturday to Monday 1 September', () => {
    expect(entry(2025, '2025-08-30')).toMatchObject({ kind: 'holiday', source: HOLIDAY_SOURCES.labourCode });
    expect(entry(2025, '2025-09-01')).toMatchObject({ kind: 'day_off', name: 'Перенос выходного с 2025-08-30 (День Конституции Республики Казахстан)' });
    expect(days(2025)).not.toContain('2025-03-15');
  });

  it('Counting days New Year on Saturday–Sunday 1–2 January 2028 moves to Monday 3 and Tuesday 4 January', () => {
    expect(isWeekend('2028-01-01') && isWeekend('2028-01-02')).toBe(true);
    expect(publicHolidays(2028).filter((e) => e.day < '2028-01-07')).toEqual([
      { day: '2028-01-01', kind: 'holiday', name: 'Новый год', source: 'labour_code' },
      { day: '2028-01-02', kind: 'holiday', name: 'Новый год', source: 'labour_code' },
      { day: '2028-01-03', kind: 'day_off', name: 'Перенос выходного с 2028-01-01 (Новый год)', source: 'labour_code_transfer' },
      { day: '2028-01-04', kind: 'day_off', name: 'Перенос выходного с 2028-01-02 (Новый год)', source: 'labour_code_transfer' },
    ]);
  });

  it('Counting days Orthodox Christmas on Sunday 7 January 2029 is not moved', () => {
    expect(isWeekend('2029-01-07')).toBe(true);
    expect(entry(2029, '2029-01-07')).toMatchObject({ kind: 'holiday', name: 'Православное Рождество' });
    expect(publicHolidays(2029).filter((e) => e.kind === 'day_off' && e.day < '2029-02-01')).toEqual([]);
  });

  it('Counting days Kurban Ait on a weekend (Sunday 16 May 2027, Saturday 13 April 2030) is not moved', () => {
    expect(entry(2027, '2027-05-16')).toEqual({ day: '2027-05-16', kind: 'holiday', name: 'Курбан айт', source: 'kurban_ait_table' });
    expect(entry(2030, '2030-04-13')).toMatchObject({ kind: 'holiday', source: HOLIDAY_SOURCES.kurbanAit });
    for (const year of [2027, 2030]) {
      expect(publicHolidays(year).filter((e) => e.name.includes('Курбан айт') && e.kind === 'day_off')).toEqual([]);
    }
    expect(days(2030).filter((d) => d >= '2030-04-13' && d <= '2030-04-16')).toEqual(['2030-04-13']);
  });

  it('Counting days a weekend holiday skips holidays and earlier transfers: Nauryz on Saturday–Sunday 2026 gives 24 and 25 March', () => {
    expect(publicHolidays(2026).filter((e) => e.kind === 'day_off').map((e) => e.day)).toEqual([
      '2026-03-09', '2026-03-24', '2026-03-25', '2026-05-11', '2026-10-26',
    ]);
    // 7 May 2028 is a Sunday, 9 May a Tuesday: Monday 8 May is the day off.
    expect(entry(2028, '2028-05-08')?.kind).toBe('day_off');
  });

  it('Counting days every transferred day off is a weekday and each day appears once', () => {
    for (let year = 2025; year <= 2031; year++) {
      const list = publicHolidays(year);
      expect(new Set(list.map((e) => e.day)).size).toBe(list.length);
      expect([...list].sort((a, b) => a.day.localeCompare(b.day))).toEqual(list);
      for (const e of list.filter((x) => x.kind === 'day_off')) expect(isWeekend(e.day)).toBe(false);
    }
  });

  it('Counting days refuses a year whose Kurban Ait date is not in the table', () => {
    expect(KURBAN_AIT_FIRST_DAY[2032]).toBeUndefined();
    expect(() => publicHolidays(2032)).toThrow(/Kurban Ait in 2032 is not known/);
  });
});
