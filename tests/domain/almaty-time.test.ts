import { addMonths, almatyDate, endOfAlmatyDay, reconfirmationDeadline } from '../../domain/almaty-time';

describe('Asia/Almaty dates', () => {
  it('reads the Almaty date of an instant (UTC+5)', () => {
    expect(almatyDate(Date.parse('2026-11-24T18:59:59Z'))).toBe('2026-11-24');
    expect(almatyDate(Date.parse('2026-11-24T19:00:00Z'))).toBe('2026-11-25');
  });

  it('ends a day at 24:00 Almaty', () => {
    expect(new Date(endOfAlmatyDay('2027-03-25')).toISOString()).toBe('2027-03-25T19:00:00.000Z');
  });

  it('adds calendar months, clamping to the month’s last day', () => {
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonths('2024-02-29', 12)).toBe('2025-02-28');
    expect(addMonths('2026-11-24', 13)).toBe('2027-12-24');
    expect(addMonths('2026-12-15', 1)).toBe('2027-01-15');
  });
});

describe('R6.1 reconfirmation deadlines', () => {
  it('R6.1 falls due at 24:00 Almaty on each anniversary of the registration date', () => {
    // Registered at 23:30 Almaty on 10 March 2026 (18:30 UTC).
    const registeredAt = Date.parse('2026-03-10T18:30:00Z');
    expect(new Date(reconfirmationDeadline(registeredAt, 1, 12)).toISOString()).toBe('2027-03-10T19:00:00.000Z');
    expect(new Date(reconfirmationDeadline(registeredAt, 2, 12)).toISOString()).toBe('2028-03-10T19:00:00.000Z');
  });

  it('R6.1 uses the Almaty date, not the UTC date, of a registration just after midnight Almaty', () => {
    // 00:30 Almaty on 1 June 2026 is still 31 May in UTC.
    const registeredAt = Date.parse('2026-05-31T19:30:00Z');
    expect(almatyDate(reconfirmationDeadline(registeredAt, 1, 12) - 1)).toBe('2027-06-01');
  });

  it('R6.1 a registration on 29 February is due on 28 February in other years', () => {
    const registeredAt = Date.parse('2028-02-29T06:00:00Z');
    expect(almatyDate(reconfirmationDeadline(registeredAt, 1, 12) - 1)).toBe('2029-02-28');
    expect(almatyDate(reconfirmationDeadline(registeredAt, 4, 12) - 1)).toBe('2032-02-29');
  });
});
