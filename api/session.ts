import type { Context, Next } from 'koa';
import type { Db } from '../db/connection';
import { findSession, type Session } from '../db/sessions';
import { Problem } from './problems';

declare module 'koa' {
  interface DefaultState {
    /** The logged-in person, when the request carries a live session token. */
    session?: Session;
    /** The request carried a token that is unknown, expired or logged out. */
    sessionEnded?: boolean;
  }
}

/**
 * Resolves `Authorization: Bearer <token>` to a session. A dead token does not stop public routes
 * or a new login; a route that needs a person says the session has ended.
 */
export function sessionMiddleware(db: Db) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const header = ctx.get('authorization');
    if (header) {
      // RFC 9110 §11.1: the scheme is case-insensitive.
      const match = /^Bearer +([A-Za-z0-9_-]{20,200}) *$/i.exec(header);
      const session = match ? await findSession(db, match[1]!) : undefined;
      if (session) ctx.state.session = session;
      else ctx.state.sessionEnded = true;
    }
    await next();
  };
}

/** The logged-in person. R1.3: until they give an e-mail, only their account routes are open. */
export function requireSession(ctx: Context, opts: { emailOptional?: boolean } = {}): Session {
  const session = ctx.state.session;
  if (!session) {
    throw new Problem(
      'UNAUTHENTICATED',
      ctx.state.sessionEnded ? 'the session has ended or the token is not valid; log in again' : 'log in with your digital signature first',
    );
  }
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
