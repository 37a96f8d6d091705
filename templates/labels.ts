import type { Language } from '../domain/queue';
import kk from './labels/kk.json';
import ru from './labels/ru.json';

/** People-facing words for stored codes (R3.4), in Kazakh and Russian. */
export type Labels = typeof ru;
export const LABELS: Record<Language, Labels> = { kk, ru };
