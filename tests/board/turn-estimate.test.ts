import { addToMonth, almatyMonth, estimateWindow, startOfAlmatyMonth, turnEstimate, type MonthlySeats } from '../../domain/turn-estimate';

/**
 * The README's worked example (issue 21): in November 2026, an application numbered 37 in its whole
 * queue; seats published for its region and group year from November 2025 to October 2026.
 */
const WORKED_EXAMPLE = {
  currentMonth: '2026-11',
  queueWhole: 37,
  published: [
    { month: '2025-11', seats: 0 },
    { month: '2025-12', seats: 4 },
    { month: '2026-01', seats: 6 },
    { month: '2026-02', seats: 0 },
    { month: '2026-03', seats: 10 },
    { month: '2026-04', seats: 8 },
    { month: '2026-05', seats: 2 },
    { month: '2026-06', seats: 0 },
    { month: '2026-07', seats: 0 },
    { month: '2026-08', seats: 14 },
    { month: '2026-09', seats: 12 },
    { month: '2026-10', seats: 4 },
  ] satisfies MonthlySeats[],
};

/** One place row per published place: the months above as separate publications (a month's seats split over a few days). */
function publications(months: MonthlySeats[]): MonthlySeats[] {
  return months.flatMap(({ month, seats }) => (seats === 0 ? [] : seats % 2 === 0 ? [{ month, seats: seats / 2 }, { month, seats: seats / 2 }] : [{ month, seats }]));
}

describe('R11.2 when will my turn come (domain/turn-estimate.ts)', () => {
  it('R11.2 gives the worked example’s range: 37 places needed, busiest quarter 12 a month, year 5 a month → 4 to 8 months, March to July 2027', () => {
    const estimate = turnEstimate({ ...WORKED_EXAMPLE, published: publications(WORKED_EXAMPLE.published) });
    expect(estimate).toEqual({
      placesNeeded: 37,
      months: WORKED_EXAMPLE.published,
      monthsWithPlaces: 8,
      fastPace: 12, // (14 + 12 + 10) ÷ 3
      yearPace: 5, // 60 ÷ 12
      earliestMonths: 4, // ⌈37 ÷ 12⌉ = ⌈3.08⌉
      latestMonths: 8, // ⌈37 ÷ 5⌉ = ⌈7.4⌉
      earliestMonth: '2027-03',
      latestMonth: '2027-07',
    });
  });

  it('R11.2 gives no estimate with places published in fewer than three of the 12 months', () => {
    const two = [{ month: '2026-03', seats: 30 }, { month: '2026-09', seats: 20 }];
    expect(turnEstimate({ currentMonth: '2026-11', queueWhole: 5, published: two })).toBeNull();
    expect(turnEstimate({ currentMonth: '2026-11', queueWhole: 5, published: [] })).toBeNull();
    // Months outside the window do not count towards the three: 2025-10 is 13 months back, 2026-11 is this month.
    const outside = [...two, { month: '2025-10', seats: 9 }, { month: '2026-11', seats: 9 }];
    expect(turnEstimate({ currentMonth: '2026-11', queueWhole: 5, published: outside })).toBeNull();
    expect(turnEstimate({ currentMonth: '2026-11', queueWhole: 5, published: [...two, { month: '2025-11', seats: 1 }] })).not.toBeNull();
  });

  it('R11.2 the first in the queue waits at least a month, and a bigger queue number never an earlier one', () => {
    const published = WORKED_EXAMPLE.published;
    expect(turnEstimate({ currentMonth: '2026-11', queueWhole: 1, published })).toMatchObject({ earliestMonths: 1, latestMonths: 1, earliestMonth: '2026-12' });
    let last = { earliestMonths: 0, latestMonths: 0 };
    for (let n = 1; n <= 200; n++) {
      const e = turnEstimate({ currentMonth: '2026-11', queueWhole: n, published })!;
      expect(e.earliestMonths).toBeGreaterThanOrEqual(last.earliestMonths);
      expect(e.latestMonths).toBeGreaterThanOrEqual(e.earliestMonths);
      last = e;
    }
    expect(() => turnEstimate({ currentMonth: '2026-11', queueWhole: 0, published })).toThrow(/positive integer/);
  });

  it('counts months in Asia/Almaty: the window is the 12 full months before this one', () => {
    expect(estimateWindow('2026-11')).toEqual({ from: '2025-11', until: '2026-11' });
    expect(addToMonth('2026-11', 2)).toBe('2027-01');
    expect(addToMonth('2026-01', -1)).toBe('2025-12');
    // 1 December 00:00 Almaty is 30 November 19:00 UTC.
    expect(new Date(startOfAlmatyMonth('2026-12')).toISOString()).toBe('2026-11-30T19:00:00.000Z');
    expect(almatyMonth(Date.parse('2026-11-30T18:59:59.999Z'))).toBe('2026-11');
    expect(almatyMonth(Date.parse('2026-11-30T19:00:00Z'))).toBe('2026-12');
  });
});
