import type { Language } from '../../domain/queue';
import kk from './words/kk.json';
import ru from './words/ru.json';

/** Issue 21: the public board's words, one dictionary per language (the same keys in both, tests/board/board-words.test.ts). */
export type BoardWords = typeof ru;
export const BOARD_WORDS: Record<Language, BoardWords> = { kk, ru };

/** A word with `{name}` places filled in. */
export function fill(text: string, values: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(values, name) ? String(values[name]) : whole));
}
