import { setEmail } from '../../db/accounts';
import { useChallengeNonce } from '../../db/challenges';
import { openSession, revokeSession } from '../../db/sessions';
import { audit } from '../audit';
import { checkChallenge, issueChallenge } from '../challenge-token';
import { asProblem, Problem } from '../problems';
import { route, type AnyRoute } from '../route';
import { accountEmailSchema } from '../schemas/applications';
import { challengeAnswer, emailAnswer, loginAnswer, meAnswer } from '../schemas/responses';
import { signedBodySchema } from '../signed-action';
import { documentXml } from '../signature/xml';

const CHALLENGE_REFUSALS = {
  unknown: () => new Problem('CHALLENGE_UNKNOWN', 'this login challenge was not issued here; ask for a new one'),
  expired: () => new Problem('CHALLENGE_EXPIRED', 'the login challenge has expired; ask for a new one'),
  replayed: () => new Problem('NONCE_REPLAYED', 'this login challenge has been used already; ask for a new one'),
} as const;

const text = (v: unknown) => (typeof v === 'string' ? v : '');

/**
 * R1.1 login by digital signature: a one-time challenge, signed with the AUTH key, buys a
 * short-lived session. R1.3: the first login asks for an e-mail. Role: anyone; /me: logged in.
 * A challenge is written nowhere when it is asked for: its MAC says it is ours, and only the login
 * that uses it records its nonce (api/challenge-token.ts).
 */
export const AUTH_ROUTES: AnyRoute[] = [
  route({
    operationId: 'createLoginChallenge',
    method: 'post',
    path: '/api/v1/auth/challenge',
    role: 'anyone',
    summary: 'R1.1: a one-time login challenge (`xml`) to sign with the AUTH key',
    limit: 'anonymous',
    ok: { status: 201, schema: challengeAnswer },
    async handle(_input, { auth }) {
      const c = issueChallenge(auth.challengeKeys, auth.challengeTtlMs);
      return { nonce: c.nonce, issuedAt: c.issuedAt, expiresAt: c.expiresAt, xml: documentXml('login', c) };
    },
  }),
  route({
    operationId: 'login',
    method: 'post',
    path: '/api/v1/auth/login',
    role: 'anyone',
    summary: 'R1.1: the signed challenge, `{"signedXml"}`; answers a Bearer token and whether an e-mail is still needed (R1.3)',
    limit: 'anonymous',
    body: signedBodySchema,
    ok: { status: 200, schema: loginAnswer },
    async handle({ body }, { db, verifier, auth }) {
      let iin: string | undefined;
      try {
        const doc = await verifier.verify(body.signedXml, 'auth');
        iin = doc.signer.iin;
        if (doc.name !== 'login' || typeof doc.fields.nonce !== 'string') {
          throw new Problem('SIGNED_CONTENT_MISMATCH', 'sign the login challenge from /api/v1/auth/challenge, not another document');
        }
        // Only what was signed is read: the MAC, the window and the nonce came back inside the signature.
        const challenge = { nonce: doc.fields.nonce, issuedAt: text(doc.fields.issuedAt), expiresAt: text(doc.fields.expiresAt), mac: text(doc.fields.mac) };
        const checked = checkChallenge(auth.challengeKeys, challenge);
        if (checked !== 'ok') throw CHALLENGE_REFUSALS[checked]();
        const used = await useChallengeNonce(db, challenge.nonce, new Date(challenge.expiresAt));
        if (used !== 'ok') throw CHALLENGE_REFUSALS[used]();
        const { token, session } = await openSession(db, doc.signer, auth.sessionTtlMs);
        audit('login', { iin: session.iin, holder: session.holder, certificate: doc.signer.certificateSerial, session: session.id });
        return {
          token,
          tokenType: 'Bearer' as const,
          expiresAt: session.expiresAt.toISOString(),
          person: { iin: session.iin, name: session.name, holder: session.holder },
          emailRequired: session.email === null,
        };
      } catch (err) {
        const refusal = asProblem(err);
        if (refusal) audit('login_refused', { iin: iin ?? null, code: refusal.code });
        throw err;
      }
    },
  }),
  route({
    operationId: 'logout',
    method: 'post',
    path: '/api/v1/auth/logout',
    role: 'logged in',
    summary: 'Ends the session',
    ok: { status: 204, schema: undefined },
    async handle({ caller }, { db }) {
      await revokeSession(db, caller.id);
      audit('logout', { iin: caller.iin, session: caller.id });
    },
  }),
  route({
    operationId: 'me',
    method: 'get',
    path: '/api/v1/me',
    role: 'logged in',
    summary: 'The logged-in person, their roles, whether an e-mail is needed',
    ok: { status: 200, schema: meAnswer },
    async handle({ caller: session }, { db }) {
      const roles =
        session.holder === 'employee' && session.organisationBin
          ? await db('staff').where({ iin: session.iin, organisation_bin: session.organisationBin }).select('role', 'region_code', 'kindergarten_id')
          : [];
      return {
        iin: session.iin,
        name: session.name,
        holder: session.holder,
        organisationBin: session.organisationBin,
        email: session.email,
        emailRequired: session.email === null,
        sessionExpiresAt: session.expiresAt.toISOString(),
        roles: [
          ...(session.holder === 'individual' ? [{ role: 'applicant' as const }] : []),
          ...roles.map((r) => ({ role: r.role, regionCode: r.region_code, kindergartenId: r.kindergarten_id })),
        ],
      };
    },
  }),
  route({
    operationId: 'setEmail',
    method: 'put',
    path: '/api/v1/me/email',
    role: 'logged in',
    summary: 'R1.3: the e-mail asked at first login',
    body: accountEmailSchema,
    bodyFieldCodes: { email: { missing: 'CONTACT_REQUIRED', invalid: 'INVALID_CONTACT' } },
    ok: { status: 200, schema: emailAnswer },
    async handle({ caller, body }, { db }) {
      await setEmail(db, caller.iin, body.email);
      return { email: body.email };
    },
  }),
];
