/**
 * The individual identification number (ИИН), R2.3: 12 digits — birth date YYMMDD, a digit for
 * century and sex, four serial digits, and a check digit (mod 11 with two weight sequences).
 */
export type IinProblem = 'format' | 'check_digit' | 'birth_date';

export type IinResult =
  | { valid: true; birthDate: string; sex: 'male' | 'female' }
  | { valid: false; problem: IinProblem };

const FIRST_WEIGHTS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const SECOND_WEIGHTS = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];

function weightedMod11(digits: number[], weights: number[]): number {
  return digits.reduce((sum, d, i) => sum + d * weights[i]!, 0) % 11;
}

/** The check digit for the first 11 digits, or undefined when the number cannot have one. */
export function iinCheckDigit(first11: string): number | undefined {
  const digits = [...first11].map(Number);
  const first = weightedMod11(digits, FIRST_WEIGHTS);
  if (first !== 10) return first;
  const second = weightedMod11(digits, SECOND_WEIGHTS);
  return second === 10 ? undefined : second;
}

const CENTURY_BY_DIGIT: Record<string, number> = { '1': 1800, '2': 1800, '3': 1900, '4': 1900, '5': 2000, '6': 2000 };

export function parseIin(value: string): IinResult {
  if (!/^\d{12}$/.test(value)) return { valid: false, problem: 'format' };
  if (iinCheckDigit(value.slice(0, 11)) !== Number(value[11])) return { valid: false, problem: 'check_digit' };
  const century = CENTURY_BY_DIGIT[value[6]!];
  if (century === undefined) return { valid: false, problem: 'birth_date' };
  const year = century + Number(value.slice(0, 2));
  const month = Number(value.slice(2, 4));
  const day = Number(value.slice(4, 6));
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return { valid: false, problem: 'birth_date' };
  }
  const birthDate = `${year}-${value.slice(2, 4)}-${value.slice(4, 6)}`;
  return { valid: true, birthDate, sex: Number(value[6]) % 2 === 1 ? 'male' : 'female' };
}
