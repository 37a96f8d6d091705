import type { Context, Next } from 'koa';
import { parseIin } from '../domain/iin';
import { Problem } from './problems';

declare module 'koa' {
  interface DefaultState {
    /** The IIN of the person making the request, once authenticated. */
    iin?: string;
  }
}

/**
 * Until login by digital signature lands, a development header names the caller. It is honoured
 * only outside production; in production every protected route answers 401.
 */
export function devIdentity(enabled: boolean) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const header = ctx.get('x-dev-iin');
    if (enabled && header) {
      if (!parseIin(header).valid) throw new Problem('UNAUTHENTICATED', 'X-Dev-Iin is not a valid IIN');
      ctx.state.iin = header;
    }
    await next();
  };
}

export function requireIin(ctx: Context): string {
  const iin = ctx.state.iin;
  if (!iin) throw new Problem('UNAUTHENTICATED', 'this action needs a logged-in person');
  return iin;
}
