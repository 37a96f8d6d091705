import { addDays, almatyDate, days } from '../../domain/almaty-time';
import { publicHolidays } from '../../domain/holidays';
import {
  calendarHorizonDays,
  choiceWindowEnd,
  lastWorkingMorningBefore,
  nthWorkingDayAfter,
  nthWorkingDayFrom,
  WorkingCalendar,
  workingDaysAfterDeadline,
  workingDaysDeadline,
  type CalendarException,
} from '../../domain/working-days';

const cal2027 = new WorkingCalendar(publicHolidays(2027));
const iso = (ms: number) => new Date(ms).toISOString();
/** An Almaty wall-clock time (UTC+5) as an instant. */
const almaty = (local: string) => Date.parse(`${local}+05:00`);

describe('working-day deadlines', () => {
  it('R5.2 a referral issued on Friday 19 March 2027 must be registered by 24:00 on Wednesday 31 March 2027', () => {
    // Weekend, Nauryz 21–23 and the transferred 24th are skipped: 25, 26, 29, 30, 31.
    const issuedAt = almaty('2027-03-19T11:30:00');
    expect(iso(workingDaysDeadline(issuedAt, 5, cal2027))).toBe('2027-03-31T19:00:00.000Z');
  });

  it('R5.3 ten working days on the stop-list across the May holidays and a Sunday Kurban Ait', () => {
    // From Thursday 29 April 2027: 30 Apr; 4, 5, 6 May (1 Sat, 3 Mon off, 7 Fri, 9 Sun, 10 Mon off); 11–14; 17, 18.
    const annulledAt = almaty('2027-04-29T10:00:00');
    expect(nthWorkingDayAfter('2027-04-29', 10, cal2027)).toBe('2027-05-18');
    expect(iso(workingDaysDeadline(annulledAt, 10, cal2027))).toBe('2027-05-18T19:00:00.000Z');
  });

  it('R5.3 a stop-list chained from a referral that expired at 24:00 on Mon 12 April 2027 (00:00 Tue 13 April) covers 13–26 April, not 14–27', () => {
    const expiredAt = almaty('2027-04-13T00:00:00');
    expect(almatyDate(expiredAt)).toBe('2027-04-13'); // the instant's own date is already the next day…
    expect(iso(workingDaysAfterDeadline(expiredAt, 10, cal2027))).toBe('2027-04-26T19:00:00.000Z'); // …the count is not
    expect(iso(workingDaysDeadline(expiredAt, 10, cal2027))).toBe('2027-04-27T19:00:00.000Z'); // the count by the instant's date: one day long
  });

  it('R5.3 a stop-list chained from a referral that expired at 24:00 on Wed 28 April 2027 ends at 24:00 on Mon 17 May, across the May holidays', () => {
    // 29, 30 Apr; 4, 5, 6 May (1 Sat, 3 Mon off, 7 Fri, 9 Sun, 10 Mon off); 11–14; 17.
    expect(iso(workingDaysAfterDeadline(almaty('2027-04-29T00:00:00'), 10, cal2027))).toBe('2027-05-17T19:00:00.000Z');
  });

  it('R8.3 three working days for the ПМПК count from the day after the referral', () => {
    expect(iso(workingDaysDeadline(almaty('2027-03-19T07:00:00'), 3, cal2027))).toBe('2027-03-29T19:00:00.000Z');
  });

  it('R5.2 the Almaty date decides: 23:59 and 00:01 Almaty a minute apart land on different deadlines', () => {
    const beforeMidnight = almaty('2027-03-18T23:59:00'); // Thursday, 18:59 UTC
    const afterMidnight = almaty('2027-03-19T00:01:00'); // Friday, still 18 March in UTC
    expect(new Date(afterMidnight).toISOString().slice(0, 10)).toBe('2027-03-18');
    expect(almatyDate(beforeMidnight)).toBe('2027-03-18');
    expect(almatyDate(afterMidnight)).toBe('2027-03-19');
    expect(iso(workingDaysDeadline(beforeMidnight, 5, cal2027))).toBe('2027-03-30T19:00:00.000Z');
    expect(iso(workingDaysDeadline(afterMidnight, 5, cal2027))).toBe('2027-03-31T19:00:00.000Z');
  });

  it('R5.2 a decree working Saturday counts as a working day', () => {
    const cal = new WorkingCalendar([...publicHolidays(2027), { day: '2027-03-27', kind: 'working_day' }]);
    expect(cal.isWorkingDay('2027-03-27')).toBe(true);
    expect(iso(workingDaysDeadline(almaty('2027-03-19T11:30:00'), 5, cal))).toBe('2027-03-30T19:00:00.000Z');
  });

  it('R5.2 a decree weekday off is skipped', () => {
    const cal = new WorkingCalendar([...publicHolidays(2027), { day: '2027-03-26', kind: 'day_off' }]);
    expect(cal.isWorkingDay('2027-03-26')).toBe(false);
    expect(iso(workingDaysDeadline(almaty('2027-03-19T11:30:00'), 5, cal))).toBe('2027-04-01T19:00:00.000Z');
  });

  it('R5.2 a later exception for the same day wins (a region correcting the national calendar)', () => {
    const cal = new WorkingCalendar([...publicHolidays(2027), { day: '2027-03-24', kind: 'working_day' }]);
    expect(cal.isWorkingDay('2027-03-24')).toBe(true);
  });
});

describe('R4.5 the choice window', () => {
  it('R4.5 an offer at 07:00 on a working day counts that day as the first of three', () => {
    // Wednesday 17 March 2027: 17, 18, 19.
    expect(nthWorkingDayFrom('2027-03-17', 3, cal2027)).toBe('2027-03-19');
    expect(iso(choiceWindowEnd(almaty('2027-03-17T07:00:00'), 3, cal2027))).toBe('2027-03-19T19:00:00.000Z');
  });

  it('R4.5 an offer on a Saturday starts on the next working day (here past Nauryz)', () => {
    // Saturday 20 March 2027: 21–24 are off, so 25, 26, 29.
    expect(iso(choiceWindowEnd(almaty('2027-03-20T07:00:00'), 3, cal2027))).toBe('2027-03-29T19:00:00.000Z');
    // An ordinary Saturday, 3 April 2027: 5, 6, 7.
    expect(iso(choiceWindowEnd(almaty('2027-04-03T07:00:00'), 3, cal2027))).toBe('2027-04-07T19:00:00.000Z');
  });

  it('R4.5 an offer on a holiday does not count it', () => {
    // Monday 15 March 2027, Constitution Day: 16, 17, 18.
    expect(iso(choiceWindowEnd(almaty('2027-03-15T07:00:00'), 3, cal2027))).toBe('2027-03-18T19:00:00.000Z');
  });

  it('R4.5 a window of one working day (a region setting, R10.2) closes at the end of the offer day', () => {
    expect(iso(choiceWindowEnd(almaty('2027-03-17T07:00:00'), 1, cal2027))).toBe('2027-03-17T19:00:00.000Z');
  });
});

describe('working-day arithmetic guards', () => {
  it('R5.2 refuses a count below one or not an integer', () => {
    expect(() => nthWorkingDayAfter('2027-03-19', 0, cal2027)).toThrow(RangeError);
    expect(() => nthWorkingDayFrom('2027-03-19', 1.5, cal2027)).toThrow(RangeError);
  });

  it('R5.2 gives up instead of looping when the calendar has no working days', () => {
    const allOff: CalendarException[] = [];
    for (let i = 0; i < 800; i++) allOff.push({ day: addDays('2027-01-01', i), kind: 'day_off' });
    expect(() => nthWorkingDayAfter('2027-01-01', 1, new WorkingCalendar(allOff))).toThrow(/found only 0 of 1 working days/);
  });

  it('R5.2 refuses a calendar day that is not YYYY-MM-DD (e.g. a Date from the driver)', () => {
    expect(() => new WorkingCalendar([{ day: new Date() as unknown as string, kind: 'holiday' }])).toThrow(TypeError);
  });

  it('R5.2 the calendar horizon covers the working days asked for', () => {
    for (const n of [1, 3, 5, 10, 60]) {
      const last = nthWorkingDayAfter('2027-03-19', n, cal2027);
      const spanDays = (Date.parse(last) - Date.parse('2027-03-19')) / days(1);
      expect(calendarHorizonDays(n)).toBeGreaterThanOrEqual(spanDays);
    }
    expect(calendarHorizonDays(0)).toBe(30);
  });
});

describe('R9.1 the "deadline near" notice: 09:00 on the referral\'s last working day', () => {
  it('a deadline at 24:00 on a working day: 09:00 that day', () => {
    // Issued Fri 19 March 2027: the deadline is 24:00 Wed 31 March, the notice 09:00 Wed 31 March.
    expect(iso(lastWorkingMorningBefore(almaty('2027-04-01T00:00:00'), 9, cal2027))).toBe(iso(almaty('2027-03-31T09:00:00')));
  });

  it('a deadline an extension put on a weekend or a holiday: 09:00 on the working day before it', () => {
    // 24:00 Sunday 28 March 2027 → Friday 26 March.
    expect(iso(lastWorkingMorningBefore(almaty('2027-03-29T00:00:00'), 9, cal2027))).toBe(iso(almaty('2027-03-26T09:00:00')));
    // 24:00 Tuesday 23 March 2027 (Nauryz; 22–24 off, 21 a Sunday) → Friday 19 March.
    expect(iso(lastWorkingMorningBefore(almaty('2027-03-24T00:00:00'), 9, cal2027))).toBe(iso(almaty('2027-03-19T09:00:00')));
  });

  it('a decree working Saturday counts as a working day', () => {
    const cal = new WorkingCalendar([{ day: '2027-03-27', kind: 'working_day' }]);
    expect(iso(lastWorkingMorningBefore(almaty('2027-03-29T00:00:00'), 9, cal))).toBe(iso(almaty('2027-03-27T09:00:00')));
  });
});
