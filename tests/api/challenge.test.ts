/**
 * R1.1 login challenges without a row: a challenge is vouched for by an HMAC under CHALLENGE_KEY
 * (api/challenge-token.ts), checked at login under the current key or the one before the last
 * rotation; only the login that uses it writes its nonce, and only once.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { authSettings } from '../../api/auth-settings';
import { challengeKey, devChallengeKey, issueChallenge, parseChallengeKey, type ChallengeFields } from '../../api/challenge-token';
import { documentXml } from '../../api/signature/xml';
import { startApi, TEST_CHALLENGE_KEY, type ApiHarness } from '../helpers/api';
import { serveBeside, type AppBeside } from '../helpers/app-beside';
import { buildFamily, type Family } from '../helpers/factories';
import { signer } from '../helpers/pki';

let api: ApiHarness;
let family: Family;
beforeAll(async () => {
  api = await startApi();
  family = await buildFamily(api.db);
});
afterAll(() => api?.close());

const NEXT_KEY = 'b'.repeat(64);
const settings = (current: string, previous?: string) =>
  authSettings({ SESSION_TTL_MINUTES: 60, CHALLENGE_TTL_MINUTES: 5, SIGNED_ACTION_MAX_AGE_MINUTES: 10, CHALLENGE_KEY: current, CHALLENGE_KEY_PREVIOUS: previous });

const usedRows = async (nonce: string) => Number((await api.db('used_login_nonces').where({ nonce }).count({ n: '*' }))[0]!.n);

/** Logs `family`'s parent in with `xml` signed by their AUTH key, on the harness's API or `app`. */
async function logIn(xml: string, app?: AppBeside): Promise<{ status: number; body: any }> {
  const body = JSON.stringify(await signer.login(family.parentIin, xml));
  const res = app
    ? await app.fetch('/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    : await fetch(`${api.baseUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: res.status, body: (await res.json()) as any };
}

const loginXml = (c: ChallengeFields) => documentXml('login', c);

describe('R1.1 a login challenge is vouched for by its MAC, not by a row', () => {
  it('the challenge carries its nonce, window and MAC in the document to sign, and is written nowhere', async () => {
    const res = await api.request('POST', '/api/v1/auth/challenge');
    expect(res.status).toBe(201);
    expect(res.body.xml).toBe(
      `<login xmlns="urn:kz:kindergarten-queue:v1"><nonce>${res.body.nonce}</nonce><issuedAt>${res.body.issuedAt}</issuedAt>` +
        `<expiresAt>${res.body.expiresAt}</expiresAt><mac>${/<mac>([A-Za-z0-9_-]{43})<\/mac>/.exec(res.body.xml)?.[1]}</mac></login>`,
    );
    expect(Date.parse(res.body.expiresAt) - Date.parse(res.body.issuedAt)).toBe(5 * 60_000);
    expect(await usedRows(res.body.nonce)).toBe(0);
  });

  it('a login with the current key opens a session and records the nonce once; the same signed login again is NONCE_REPLAYED', async () => {
    const challenge = await api.request('POST', '/api/v1/auth/challenge');
    const body = JSON.stringify(await signer.login(family.parentIin, challenge.body.xml));
    const send = () => fetch(`${api.baseUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const first = await send();
    expect(first.status).toBe(200);
    expect(await usedRows(challenge.body.nonce)).toBe(1);
    const again = await send();
    expect([again.status, ((await again.json()) as { code: string }).code]).toEqual([409, 'NONCE_REPLAYED']);
    expect(await usedRows(challenge.body.nonce)).toBe(1);
  });

  it('a forged or altered challenge is CHALLENGE_UNKNOWN: another MAC, nonce, window, another key, or no MAC at all', async () => {
    const keys = api.deps.auth.challengeKeys;
    const c = issueChallenge(keys, 5 * 60_000);
    const flipped = (c.mac[0] === 'A' ? 'B' : 'A') + c.mac.slice(1);
    const later = new Date(Date.parse(c.expiresAt) + 3_600_000).toISOString();
    const foreign = issueChallenge(settings(NEXT_KEY).challengeKeys, 5 * 60_000);
    const unsigned = { nonce: c.nonce, issuedAt: c.issuedAt, expiresAt: c.expiresAt };
    for (const forged of [{ ...c, mac: flipped }, { ...c, nonce: `${c.nonce}x` }, { ...c, expiresAt: later }, foreign, { ...c, mac: '' }]) {
      const res = await logIn(loginXml(forged));
      expect([res.status, res.body.code]).toEqual([422, 'CHALLENGE_UNKNOWN']);
    }
    expect((await logIn(documentXml('login', unsigned))).body.code).toBe('CHALLENGE_UNKNOWN');
    // None of them was recorded: the genuine challenge still logs in.
    expect((await logIn(loginXml(c))).status).toBe(200);
  });

  it('a challenge past its window is CHALLENGE_EXPIRED, and its nonce is not recorded', async () => {
    const stale = issueChallenge(api.deps.auth.challengeKeys, 5 * 60_000, new Date(Date.now() - 5 * 60_000 - 1000));
    const res = await logIn(loginXml(stale));
    expect([res.status, res.body.code]).toEqual([422, 'CHALLENGE_EXPIRED']);
    expect(await usedRows(stale.nonce)).toBe(0);
  });

  it('after a rotation, a challenge of the previous key still logs in; once that key is dropped, it is unknown', async () => {
    const fromOldKey = (await api.request('POST', '/api/v1/auth/challenge')).body.xml as string;
    const rotated = await serveBeside({ ...api.deps, auth: settings(NEXT_KEY, TEST_CHALLENGE_KEY) });
    const dropped = await serveBeside({ ...api.deps, auth: settings(NEXT_KEY) });
    try {
      expect((await logIn(fromOldKey, rotated)).status).toBe(200);
      // The new key signs what the rotated API hands out; the old API, not knowing it, refuses those.
      const fromNewKey = ((await (await rotated.fetch('/api/v1/auth/challenge', { method: 'POST' })).json()) as { xml: string }).xml;
      expect((await logIn(fromNewKey)).body.code).toBe('CHALLENGE_UNKNOWN');
      expect((await logIn(fromNewKey, rotated)).status).toBe(200);
      const another = (await api.request('POST', '/api/v1/auth/challenge')).body.xml as string;
      expect((await logIn(another, dropped)).body.code).toBe('CHALLENGE_UNKNOWN');
    } finally {
      await rotated.close();
      await dropped.close();
    }
  });

  it('nonces past their challenge’s expiry (and a margin for clocks) are deleted by later logins; recent ones stay', async () => {
    const old = { nonce: `old-${Date.now()}-nonce`, expires_at: new Date(Date.now() - 86_400_000) };
    const recent = { nonce: `recent-${Date.now()}-nonce`, expires_at: new Date(Date.now() - 60_000) };
    await api.db('used_login_nonces').insert([old, recent]);
    await api.login(family.parentIin);
    expect(await usedRows(old.nonce)).toBe(0);
    expect(await usedRows(recent.nonce)).toBe(1);
  });
});

describe('the challenge key', () => {
  it('is read as hex or base64 of at least 32 bytes; anything shorter stops the process naming the setting', () => {
    expect(parseChallengeKey('ab'.repeat(32), 'CHALLENGE_KEY')).toHaveLength(32);
    expect(parseChallengeKey(Buffer.alloc(32, 7).toString('base64'), 'CHALLENGE_KEY')).toHaveLength(32);
    expect(parseChallengeKey(Buffer.alloc(48, 7).toString('base64url'), 'CHALLENGE_KEY')).toHaveLength(48);
    expect(() => parseChallengeKey('ab'.repeat(31), 'CHALLENGE_KEY')).toThrow(/^CHALLENGE_KEY: /);
    expect(() => parseChallengeKey('not a key, though long enough to pass', 'CHALLENGE_KEY_PREVIOUS')).toThrow(/^CHALLENGE_KEY_PREVIOUS: /);
  });

  it('outside production without CHALLENGE_KEY: 32 random bytes made once into a file only its owner reads, the same at every start', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kq-key-')), '.data', 'challenge-key');
    const first = devChallengeKey(file);
    expect(parseChallengeKey(first, 'CHALLENGE_KEY')).toHaveLength(32);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(devChallengeKey(file)).toBe(first);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['challenge-key']);
  });

  it('production takes CHALLENGE_KEY and nothing else: without it the API does not start, and no key file is made', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kq-key-')), '.data', 'challenge-key');
    expect(() => challengeKey({ NODE_ENV: 'production' }, file)).toThrow(/^CHALLENGE_KEY: production/);
    expect(fs.existsSync(file)).toBe(false);
    expect(challengeKey({ NODE_ENV: 'production', CHALLENGE_KEY: TEST_CHALLENGE_KEY }, file)).toBe(TEST_CHALLENGE_KEY);
    expect(challengeKey({ NODE_ENV: 'development' }, file)).toBe(devChallengeKey(file));
  });
});
