import type { Context, Next } from 'koa';
import { Problem } from './problems';

/**
 * What no text a person sends may hold: NUL and the other C0 control characters except TAB, LF and
 * CR, DEL, and lone UTF-16 surrogates (not characters at all). PostgreSQL refuses NUL outright; the
 * rest corrupt logs, documents and notices. Refused here, once, for every string the API accepts.
 */
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function hasForbiddenCharacter(text: string): boolean {
  return FORBIDDEN.test(text);
}

const refuse = (where: string, field: string) =>
  new Problem('INVALID_CHARACTERS', `${where}${field ? ` ${field}` : ''}: control characters, NUL and lone surrogates are not accepted`, {
    field,
    in: where,
  });

/** The first path (a.b.0.c) in a JSON value whose key or string holds a forbidden character. */
function findInJson(value: unknown, at: string[] = []): string | undefined {
  if (typeof value === 'string') return hasForbiddenCharacter(value) ? at.join('.') : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findInJson(value[i], [...at, String(i)]);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (hasForbiddenCharacter(key)) return [...at, key].join('.');
      const found = findInJson(inner, [...at, key]);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** Refuses a request whose path, query or JSON body holds a forbidden character, before any route reads it. */
export async function refuseUnsafeText(ctx: Context, next: Next): Promise<void> {
  let path: string;
  try {
    path = decodeURIComponent(ctx.path);
  } catch {
    throw new Problem('INVALID_CHARACTERS', 'path: the percent-encoding is not valid UTF-8', { field: '', in: 'path' });
  }
  if (hasForbiddenCharacter(path)) throw refuse('path', '');
  for (const [name, value] of Object.entries(ctx.query)) {
    const values = Array.isArray(value) ? value : [value ?? ''];
    if (hasForbiddenCharacter(name) || values.some(hasForbiddenCharacter)) throw refuse('query', name);
  }
  const inBody = findInJson(ctx.request.body);
  if (inBody !== undefined) throw refuse('body', inBody);
  await next();
}
