import type { Language } from '../domain/queue';
import kk from './labels/kk.json';
import ru from './labels/ru.json';

/** People-facing words for stored codes (R3.4), in Kazakh and Russian. */
export type Labels = typeof ru;
export const LABELS: Record<Language, Labels> = { kk, ru };

/** Both languages' words for a code of one group (R3.4): `{ ru, kk }`, as the API answers them. */
export function bothLanguages<G extends 'status' | 'cause'>(group: G, code: keyof Labels[G]): { ru: string; kk: string } {
  return { ru: LABELS.ru[group][code] as string, kk: LABELS.kk[group][code] as string };
}
