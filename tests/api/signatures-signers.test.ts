/**
 * Signatures, by who signed and when: login by a signed challenge (R1.1), and the signed actions
 * (R1.2) accepted or refused for their signer — key usage, certificate validity, trust and
 * revocation, replay, the session's person, the action and application the document names.
 * What the XML itself may hold is in signatures-documents.test.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { issueChallenge } from '../../api/challenge-token';
import { documentXml } from '../../api/signature/xml';
import { signXml } from '../../scripts/pki/signer';
import { ensureTestPki, revoke } from '../../scripts/pki/test-pki';
import type { ApiHarness } from '../helpers/api';
import { buildFamily, type Family } from '../helpers/factories';
import { credentials, newNonce, signedAction, testPki } from '../helpers/pki';
import { useSignatureSuite } from '../helpers/signature-suite';

const DAY = 86_400_000;

let api: ApiHarness, family: Family, number: string;
const { confirmDoc, expectRefused, postConfirm, signAs } = useSignatureSuite((suite) => ({ api, family, number } = suite));

describe('R1.1 login by digital signature', () => {
  it('a signed challenge opens a session; the first login asks for an e-mail (R1.3) and nothing binding is allowed before it; logout ends the session', async () => {
    const someone = await buildFamily(api.db);
    const token = await api.login(someone.parentIin, { email: null });
    const me = await api.request('GET', '/api/v1/me', { token });
    expect(me.body).toMatchObject({ iin: someone.parentIin, holder: 'individual', emailRequired: true, roles: [{ role: 'applicant' }] });
    const early = await api.request('POST', '/api/v1/applications', { token, body: await api.sign(someone.parentIin, 'fileApplication', {}) });
    expect([early.status, early.body.code]).toEqual([403, 'EMAIL_REQUIRED']);
    const badEmail = await api.request('PUT', '/api/v1/me/email', { token, body: { email: 'nope' } });
    expect([badEmail.status, badEmail.body.code]).toEqual([400, 'INVALID_CONTACT']);
    expect((await api.request('PUT', '/api/v1/me/email', { token, body: { email: 'someone@example.kz' } })).status).toBe(200);
    expect((await api.request('GET', '/api/v1/applications', { token })).status).toBe(200);
    // The second login does not ask again.
    const again = await api.login(someone.parentIin, { email: null });
    expect((await api.request('GET', '/api/v1/me', { token: again })).body.emailRequired).toBe(false);

    expect((await api.request('POST', '/api/v1/auth/logout', { token })).status).toBe(204);
    const after = await api.request('GET', '/api/v1/me', { token });
    expect([after.status, after.body.code]).toEqual([401, 'UNAUTHENTICATED']);
    expect((await api.request('GET', '/api/v1/me', { token: again })).status).toBe(200);

    // A session lasts SESSION_TTL_MINUTES; after that the token is refused like an unknown one.
    await api.db('sessions').where({ iin: someone.parentIin }).whereNull('revoked_at').update({ expires_at: new Date(Date.now() - 1000) });
    const expired = await api.request('GET', '/api/v1/me', { token: again });
    expect([expired.status, expired.body.code]).toEqual([401, 'UNAUTHENTICATED']);
  });

  it('a challenge works once, only before it expires, and only if we issued it', async () => {
    const challenge = await api.request('POST', '/api/v1/auth/challenge');
    expect(challenge.status).toBe(201);
    const body = await signAs(challenge.body.xml, 'auth');
    expect((await api.request('POST', '/api/v1/auth/login', { body })).status).toBe(200);
    await expectRefused(() => api.request('POST', '/api/v1/auth/login', { body }), 409, 'NONCE_REPLAYED');

    const forged = await signAs(documentXml('login', { nonce: newNonce() }), 'auth');
    await expectRefused(() => api.request('POST', '/api/v1/auth/login', { body: forged }), 422, 'CHALLENGE_UNKNOWN');

    // One of ours whose window has passed: issued ten minutes ago, for five.
    const stale = issueChallenge(api.deps.auth.challengeKeys, api.deps.auth.challengeTtlMs, new Date(Date.now() - 10 * 60_000));
    const late = await signAs(documentXml('login', stale), 'auth');
    await expectRefused(() => api.request('POST', '/api/v1/auth/login', { body: late }), 422, 'CHALLENGE_EXPIRED');
  });

  it('login takes the AUTH key, not the signing key, and a login challenge is not an action', async () => {
    const challenge = await api.request('POST', '/api/v1/auth/challenge');
    await expectRefused(() => signAs(challenge.body.xml, 'sign').then((body) => api.request('POST', '/api/v1/auth/login', { body })), 422, 'WRONG_KEY_USAGE');
    await expectRefused(async () => postConfirm(await signAs(challenge.body.xml, 'sign')), 422, 'SIGNED_CONTENT_MISMATCH');
  });
});

describe('R1.2 signed actions are refused, each with its own code, and change nothing', () => {
  it('accepts a well-signed action and keeps it as evidence of the history entry', async () => {
    const body = await signAs(confirmDoc());
    const res = await postConfirm(body);
    expect(res.status).toBe(200);
    const entry = res.body.history.at(-1);
    expect(entry).toMatchObject({ cause: 'interest_confirmed', signedDocumentId: expect.any(Number) });
    const evidence = await api.request('GET', `/api/v1/applications/${number}/signed-documents/${entry.signedDocumentId}`, { iin: family.parentIin });
    expect(evidence.type).toContain('application/xml');
    expect(evidence.body).toBe(body.signedXml);
  });

  it('wrong key usage: an action signed with the AUTH key', async () => {
    await expectRefused(async () => postConfirm(await signAs(confirmDoc(), 'auth')), 422, 'WRONG_KEY_USAGE');
  });

  it('an expired and a not-yet-valid certificate', async () => {
    const expired = await credentials(family.parentIin, 'sign', 'individual', { notBefore: new Date(Date.now() - 400 * DAY), notAfter: new Date(Date.now() - DAY) });
    await expectRefused(() => postConfirm({ signedXml: signXml(confirmDoc(), expired) }), 422, 'CERTIFICATE_EXPIRED');
    const early = await credentials(family.parentIin, 'sign', 'individual', { notBefore: new Date(Date.now() + DAY), notAfter: new Date(Date.now() + 400 * DAY) });
    await expectRefused(() => postConfirm({ signedXml: signXml(confirmDoc(), early) }), 422, 'CERTIFICATE_NOT_YET_VALID');
  });

  it('a certificate from an issuer we do not trust', async () => {
    const rogue = await ensureTestPki(fs.mkdtempSync(path.join(os.tmpdir(), 'kq-rogue-pki-')));
    const { issueCertificate, credentialsOf } = await import('../../scripts/pki/test-pki');
    const creds = await credentialsOf(await issueCertificate(rogue.intermediate, { iin: family.parentIin, surname: 'ROGUE', givenName: 'R', holder: 'individual', purpose: 'sign' }));
    await expectRefused(() => postConfirm({ signedXml: signXml(confirmDoc(), creds) }), 422, 'CERTIFICATE_UNTRUSTED');
  });

  it('a revoked certificate, once the CRL lists it', async () => {
    const creds = await credentials(family.parentIin, 'sign', 'individual', { notBefore: new Date(Date.now() - DAY) });
    const { x509 } = await import('../../api/signature/x509');
    await revoke(await testPki(), new x509.X509Certificate(creds.certPem).serialNumber);
    await api.reloadTrustStore();
    await expectRefused(() => postConfirm({ signedXml: signXml(confirmDoc(), creds) }), 422, 'CERTIFICATE_REVOKED');
  });

  it('a replayed nonce', async () => {
    const body = await signAs(confirmDoc({}));
    await postConfirm(body); // accepted or refused by the workflow: either way the nonce is spent
    await expectRefused(() => postConfirm(body), 409, 'NONCE_REPLAYED');
  });

  it('a signer who is not the logged-in person', async () => {
    const other = await buildFamily(api.db);
    const theirs = await signedAction(other.parentIin, 'confirmInterest', { applicationNumber: number });
    await expectRefused(() => postConfirm(theirs), 403, 'SIGNER_NOT_SESSION');
  });

  it('a document for another action, another application, or signed too long ago', async () => {
    await expectRefused(async () => postConfirm(await signAs(documentXml('leaveQueue', { applicationNumber: number, nonce: newNonce(), signedAt: new Date().toISOString() }))), 422, 'SIGNED_CONTENT_MISMATCH');
    await expectRefused(async () => postConfirm(await signAs(confirmDoc({ applicationNumber: '75.UO.2026.999999.1' }))), 422, 'SIGNED_CONTENT_MISMATCH');
    await expectRefused(async () => postConfirm(await signAs(confirmDoc({ signedAt: new Date(Date.now() - 3600_000).toISOString() }))), 422, 'SIGNED_DOCUMENT_EXPIRED');
  });
});
