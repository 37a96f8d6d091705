import Router from '@koa/router';
import type { Db } from '../../db/connection';
import { setEmail } from '../../db/accounts';
import { consumeChallenge, createChallenge } from '../../db/challenges';
import { openSession, revokeSession } from '../../db/sessions';
import type { AuthSettings } from '../auth-settings';
import { audit } from '../audit';
import { asProblem, Problem } from '../problems';
import { accountEmailSchema } from '../schemas/applications';
import { requireSession } from '../session';
import { signedBodySchema } from '../signed-action';
import type { SignatureVerifier } from '../signature/verifier';
import { documentXml } from '../signature/xml';
import { validateBody } from '../validate';

const CHALLENGE_REFUSALS = {
  unknown: () => new Problem('CHALLENGE_UNKNOWN', 'this login challenge was not issued here; ask for a new one'),
  expired: () => new Problem('CHALLENGE_EXPIRED', 'the login challenge has expired; ask for a new one'),
  used: () => new Problem('NONCE_REPLAYED', 'this login challenge has been used already; ask for a new one'),
} as const;

/**
 * R1.1 login by digital signature: a one-time challenge, signed with the AUTH key, buys a
 * short-lived session. R1.3: the first login asks for an e-mail. Role: anyone; /me: logged in.
 */
export function authRoutes({ db, verifier, auth }: { db: Db; verifier: SignatureVerifier; auth: AuthSettings }): Router {
  const router = new Router({ prefix: '/api/v1' });

  router.post('/auth/challenge', async (ctx) => {
    const c = await createChallenge(db, auth.challengeTtlMs);
    ctx.status = 201;
    ctx.body = {
      nonce: c.nonce,
      expiresAt: c.expiresAt.toISOString(),
      // Sign this document as it is, with the AUTH key, and send it to /auth/login.
      xml: documentXml('login', { nonce: c.nonce, issuedAt: c.issuedAt.toISOString(), expiresAt: c.expiresAt.toISOString() }),
    };
  });

  router.post('/auth/login', async (ctx) => {
    const { signedXml } = validateBody(ctx, signedBodySchema);
    let iin: string | undefined;
    try {
      const doc = await verifier.verify(signedXml, 'auth');
      iin = doc.signer.iin;
      if (doc.name !== 'login' || typeof doc.fields.nonce !== 'string') {
        throw new Problem('SIGNED_CONTENT_MISMATCH', 'sign the login challenge from /api/v1/auth/challenge, not another document');
      }
      const challenge = await consumeChallenge(db, doc.fields.nonce);
      if (challenge !== 'ok') throw CHALLENGE_REFUSALS[challenge]();
      const { token, session } = await openSession(db, doc.signer, auth.sessionTtlMs);
      audit('login', { iin: session.iin, holder: session.holder, certificate: doc.signer.certificateSerial, session: session.id });
      ctx.body = {
        token,
        tokenType: 'Bearer',
        expiresAt: session.expiresAt.toISOString(),
        person: { iin: session.iin, name: session.name, holder: session.holder },
        emailRequired: session.email === null,
      };
    } catch (err) {
      const refusal = asProblem(err);
      if (refusal) audit('login_refused', { iin: iin ?? null, code: refusal.code });
      throw err;
    }
  });

  router.post('/auth/logout', async (ctx) => {
    const session = requireSession(ctx, { emailOptional: true });
    await revokeSession(db, session.id);
    audit('logout', { iin: session.iin, session: session.id });
    ctx.status = 204;
  });

  router.get('/me', async (ctx) => {
    const session = requireSession(ctx, { emailOptional: true });
    const roles =
      session.holder === 'employee' && session.organisationBin
        ? await db('staff').where({ iin: session.iin, organisation_bin: session.organisationBin }).select('role', 'region_code', 'kindergarten_id')
        : [];
    ctx.body = {
      iin: session.iin,
      name: session.name,
      holder: session.holder,
      organisationBin: session.organisationBin,
      email: session.email,
      emailRequired: session.email === null,
      sessionExpiresAt: session.expiresAt.toISOString(),
      roles: [
        ...(session.holder === 'individual' ? [{ role: 'applicant' }] : []),
        ...roles.map((r) => ({ role: r.role, regionCode: r.region_code, kindergartenId: r.kindergarten_id })),
      ],
    };
  });

  // R1.3
  router.put('/me/email', async (ctx) => {
    const session = requireSession(ctx, { emailOptional: true });
    const { email } = validateBody(ctx, accountEmailSchema, { email: { missing: 'CONTACT_REQUIRED', invalid: 'INVALID_CONTACT' } });
    await setEmail(db, session.iin, email);
    ctx.body = { email };
  });

  return router;
}
