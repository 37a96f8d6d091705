import { LANGUAGES, type Language } from '../../domain/queue';

/** Issue 21: Kazakh unless the page is asked for in Russian. */
export const DEFAULT_BOARD_LANGUAGE: Language = 'kk';

const isLanguage = (value: unknown): value is Language => typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);

/**
 * The page's language: `?lang=kk|ru` when given, else the first of Kazakh and Russian by the
 * browser's Accept-Language preference (q-values, RFC 9110 §12.5.4), else Kazakh.
 */
export function boardLanguage(query: unknown, acceptLanguage: string | undefined): Language {
  if (isLanguage(query)) return query;
  let best: { language: Language; q: number } | undefined;
  for (const part of (acceptLanguage ?? '').split(',')) {
    const [tag = '', ...params] = part.trim().split(';');
    const primary = tag.trim().toLowerCase().split('-')[0];
    if (!isLanguage(primary)) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (Number.isFinite(q) && q > 0 && (!best || q > best.q)) best = { language: primary, q };
  }
  return best?.language ?? DEFAULT_BOARD_LANGUAGE;
}
