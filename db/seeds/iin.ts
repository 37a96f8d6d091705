import { iinCheckDigit } from '../../domain/iin';

/** Builds a valid IIN from a birth date, sex and serial: for seeds and test factories. */
export function makeIin(birthDate: string, sex: 'male' | 'female', serial: number): string {
  const [y, m, d] = birthDate.split('-');
  const centuryIndex = (Number(y) - 1800) / 100;
  const centuryDigit = 1 + Math.floor(centuryIndex) * 2 + (sex === 'female' ? 1 : 0);
  for (let s = serial; s < serial + 10_000; s++) {
    const first11 = `${y!.slice(2)}${m}${d}${centuryDigit}${String(s % 10_000).padStart(4, '0')}`;
    const check = iinCheckDigit(first11);
    if (check !== undefined) return `${first11}${check}`;
  }
  throw new Error(`no IIN for ${birthDate}/${serial}`);
}
