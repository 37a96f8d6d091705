/** The hostile values the fuzz test puts in each field, and their bytes as they go on the wire. */

export interface Bad {
  label: string;
  value: string | number;
}

export const STRINGS: Bad[] = [
  { label: 'a NUL byte', value: 'a\u0000b' },
  { label: 'a lone surrogate', value: '\ud800' },
  { label: '10,000 characters', value: 'a'.repeat(10_000) },
  { label: 'a control character', value: 'a\u0007b' },
  { label: '"2147483648" (2³¹ as a string)', value: '2147483648' },
  { label: '"-1" (as a string)', value: '-1' },
];
export const NUMBERS: Bad[] = [
  { label: '2147483648 (2³¹)', value: 2 ** 31 },
  { label: '-1', value: -1 },
];

/** UTF-8, except that a lone surrogate becomes its 3-byte WTF-8 form (ED A0 80 for U+D800). */
export function wtf8(s: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const next = s.charCodeAt(i + 1);
    if (c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      bytes.push(...Buffer.from(s.slice(i, i + 2), 'utf8'));
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    } else {
      bytes.push(...Buffer.from(s[i]!, 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

/** Percent-encodes every byte but the unreserved ones; a lone surrogate as %ED%A0%80 (which encodeURIComponent refuses). */
export const pct = (s: string) => [...wtf8(s)].map((b) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
