import { addMonths, almatyDate, type CivilDate } from './almaty-time';

/** R4.6: whether a child born on `birthDate` has turned `years` full years by the Almaty date of `atMs`. */
export function hasFullYears(birthDate: CivilDate, years: number, atMs: number): boolean {
  return addMonths(birthDate, years * 12) <= almatyDate(atMs);
}
