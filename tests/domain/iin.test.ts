import { iinCheckDigit, parseIin } from '../../domain/iin';
import { makeIin } from '../../db/seeds/iin';

describe('R2.3 IIN validation', () => {
  it('R2.3 accepts a valid IIN and reads the birth date and sex from it', () => {
    // 24 Oct 2023, a boy (century digit 5), serial 0201.
    const iin = makeIin('2023-10-24', 'male', 201);
    expect(iin.slice(0, 7)).toBe('2310245');
    expect(parseIin(iin)).toEqual({ valid: true, birthDate: '2023-10-24', sex: 'male' });
    expect(parseIin(makeIin('1992-04-17', 'female', 101))).toEqual({ valid: true, birthDate: '1992-04-17', sex: 'female' });
  });

  it('R2.3 computes the check digit with the second weights when the first sum gives 10', () => {
    // Some of these 11-digit prefixes sum to 10 with the first weights; those take the second.
    const samples = Array.from({ length: 200 }, (_, i) => `9104174${String(i).padStart(4, '0')}`);
    const usedSecond = samples.filter((s) => {
      const first = [...s].map(Number).reduce((sum, d, i) => sum + d * (i + 1), 0) % 11;
      return first === 10;
    });
    expect(usedSecond.length).toBeGreaterThan(0);
    for (const s of usedSecond) {
      const second = [...s].map(Number).reduce((sum, d, i) => sum + d * [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2][i]!, 0) % 11;
      expect(iinCheckDigit(s)).toBe(second === 10 ? undefined : second);
    }
  });

  it.each([
    ['12345', 'format'],
    ['12345678901a', 'format'],
    [' 231024502016', 'format'],
    ['2310245020161', 'format'],
  ])('R2.3 refuses %p (%s)', (value, problem) => {
    expect(parseIin(value)).toEqual({ valid: false, problem });
  });

  it('R2.3 refuses a wrong check digit', () => {
    const iin = makeIin('2023-10-24', 'male', 201);
    const wrong = iin.slice(0, 11) + ((Number(iin[11]) + 1) % 10);
    expect(parseIin(wrong)).toEqual({ valid: false, problem: 'check_digit' });
  });

  it('R2.3 refuses a birth date that does not exist, and an unknown century digit', () => {
    const withDigit = (first11: string) => first11 + iinCheckDigit(first11);
    expect(parseIin(withDigit('23023050001'))).toEqual({ valid: false, problem: 'birth_date' }); // 30 Feb
    expect(parseIin(withDigit('23102470001'))).toEqual({ valid: false, problem: 'birth_date' }); // century digit 7
  });
});
