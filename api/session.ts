import type { Context, Next } from 'koa';
import type { Db } from '../db/connection';
import { findSession, type Session } from '../db/sessions';
import { Problem } from './problems';

declare module 'koa' {
  interface DefaultState {
    /** The logged-in person, when the request carries a live session token. */
    session?: Session;
  }
}

/**
 * Resolves `Authorization: Bearer <token>` to a session. A token that is unknown, expired or
 * logged out is refused outright, so a client learns at once that it must log in again.
 */
export function sessionMiddleware(db: Db) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const header = ctx.get('authorization');
    if (header) {
      const match = /^Bearer ([A-Za-z0-9_-]{20,200})$/.exec(header);
      const session = match ? await findSession(db, match[1]!) : undefined;
      if (!session) throw new Problem('UNAUTHENTICATED', 'the session has ended or the token is not valid; log in again');
      ctx.state.session = session;
    }
    await next();
  };
}

/** The logged-in person. R1.3: until they give an e-mail, only their account routes are open. */
export function requireSession(ctx: Context, opts: { emailOptional?: boolean } = {}): Session {
  const session = ctx.state.session;
  if (!session) throw new Problem('UNAUTHENTICATED', 'log in with your digital signature first');
  if (!session.email && !opts.emailOptional) {
    throw new Problem('EMAIL_REQUIRED', 'give an e-mail address first (PUT /api/v1/me/email)');
  }
  return session;
}

/** Applicants act with an individual's certificate, never an employee's. */
export function requireApplicant(ctx: Context): Session {
  const session = requireSession(ctx);
  if (session.holder !== 'individual') {
    throw new Problem('FORBIDDEN', 'applications are filed and acted on with an individual’s certificate, not an employee’s');
  }
  return session;
}
