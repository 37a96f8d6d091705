import { CHAIN_EVENTS } from '../../domain/chain';
import { KINDERGARTEN_KINDS } from '../../domain/rule-settings';
import { boardLanguage } from '../../templates/board/language';
import { BOARD_WORDS, fill } from '../../templates/board/words';
import { withLanguage } from '../../templates/board/views';

/** Every key path of a dictionary, arrays by their length. */
function shape(value: unknown, at = ''): string[] {
  if (Array.isArray(value)) return [`${at}[${value.length}]`];
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => shape(v, at ? `${at}.${k}` : k));
  return [at];
}

describe('the board’s words and language (issue 21)', () => {
  it('has the same words in Kazakh and Russian, none empty, and a word for every chain event and kind of kindergarten', () => {
    expect(shape(BOARD_WORDS.kk).sort()).toEqual(shape(BOARD_WORDS.ru).sort());
    for (const lang of ['kk', 'ru'] as const) {
      const strings = JSON.stringify(BOARD_WORDS[lang]);
      expect(strings).not.toContain('""');
      expect(Object.keys(BOARD_WORDS[lang].events).sort()).toEqual([...CHAIN_EVENTS].sort());
      expect(Object.keys(BOARD_WORDS[lang].kinds).sort()).toEqual([...KINDERGARTEN_KINDS].sort());
      expect(BOARD_WORDS[lang].months).toHaveLength(12);
    }
  });

  it('speaks Kazakh unless asked for Russian by ?lang= or by Accept-Language', () => {
    expect(boardLanguage(undefined, undefined)).toBe('kk');
    expect(boardLanguage('ru', 'kk')).toBe('ru');
    expect(boardLanguage('kk', 'ru-RU')).toBe('kk');
    expect(boardLanguage('en', 'ru-RU,ru;q=0.9,en;q=0.8')).toBe('ru');
    expect(boardLanguage(undefined, 'en-US,ru;q=0.5,kk;q=0.7')).toBe('kk');
    expect(boardLanguage(undefined, 'en-US,ru;q=0.5,kk;q=0')).toBe('ru');
    expect(boardLanguage(undefined, 'de, en;q=0.5')).toBe('kk');
    expect(boardLanguage(['ru', 'kk'], undefined)).toBe('kk'); // a repeated parameter is not a choice
  });

  it('fills words and keeps the rest of a link when switching language', () => {
    expect(fill('№ {seq}: {reason}', { seq: 3, reason: 'x' })).toBe('№ 3: x');
    expect(fill('{missing}', {})).toBe('{missing}');
    expect(withLanguage('/regions/almaty?groupYear=2022&lang=kk', 'ru')).toBe('/regions/almaty?groupYear=2022&lang=ru');
    expect(withLanguage('/', 'kk')).toBe('/?lang=kk');
  });
});
