/**
 * Limits on the anonymous routes (api/rate-limit.ts): what a client address may ask without logging
 * in, counted per address (X-Forwarded-For only when TRUST_PROXY), with the draft RateLimit fields
 * and a 429 problem; exempt addresses by configuration; logged-in routes never counted. And the
 * reproduction of issue 14: asking for login challenges no longer writes anything.
 */
import type { AppDeps } from '../../api/app';
import { HEALTH_ROUTES } from '../../api/routes/health';
import { clientKey, exemptList, FixedWindows, plainAddress, type LimitSettings } from '../../api/rate-limit';
import { startApi, type ApiHarness } from '../helpers/api';
import { serveBeside, type AppBeside } from '../helpers/app-beside';
import { buildFamily } from '../helpers/factories';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api?.close());

/** The harness's API with other limits (and proxy trust), beside it; closed at the end of the test. */
const opened: AppBeside[] = [];
async function limitedApi(limits: LimitSettings, more: Partial<AppDeps> = {}, host?: string): Promise<AppBeside> {
  const app = await serveBeside({ ...api.deps, limits, ...more }, host);
  opened.push(app);
  return app;
}
afterEach(async () => {
  for (const app of opened.splice(0)) await app.close();
});

const challenge = (app: AppBeside, headers: Record<string, string> = {}) => app.fetch('/api/v1/auth/challenge', { method: 'POST', headers });

describe('issue 14 reproduction: anonymous login challenges cost no row', () => {
  it('200 anonymous POST /api/v1/auth/challenge write nothing: none of their nonces is in any table, and the old table is gone', async () => {
    const nonces: string[] = [];
    for (let i = 0; i < 200; i++) {
      const res = await api.request('POST', '/api/v1/auth/challenge');
      expect(res.status).toBe(201);
      nonces.push(res.body.nonce);
    }
    expect(new Set(nonces).size).toBe(200);
    const rows = await api.db('used_login_nonces').whereIn('nonce', nonces).count({ n: '*' });
    expect(Number(rows[0]!.n)).toBe(0);
    // Before the change each challenge was a row of auth_challenges (200 here).
    expect((await api.db.raw(`SELECT to_regclass('public.auth_challenges') AS t`)).rows[0].t).toBeNull();
  });
});

describe('the anonymous limit per client address', () => {
  it('past the limit: 429 RATE_LIMITED as a problem, with Retry-After and the RateLimit fields; every anonymous route shares the quota', async () => {
    const app = await limitedApi({ anonymousPerMinute: 3, exempt: [] });
    for (const left of [2, 1, 0]) {
      const res = await challenge(app);
      expect(res.status).toBe(201);
      expect(res.headers.get('ratelimit-policy')).toBe('"anonymous";q=3;w=60');
      expect(res.headers.get('ratelimit')).toMatch(new RegExp(`^"anonymous";r=${left};t=([1-9]|[1-5]\\d|60)$`));
    }
    const refused = await challenge(app);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get('ratelimit')).toBe(`"anonymous";r=0;t=${retryAfter}`);
    expect(await refused.json()).toMatchObject({ status: 429, code: 'RATE_LIMITED', retryAfterSeconds: retryAfter });
    // The same quota: login, the public look-up and lists, a document's verification.
    for (const [method, path] of [
      ['POST', '/api/v1/auth/login'],
      ['GET', '/api/v1/public/places?regionCode=almaty'],
      ['GET', '/api/v1/public/referrals?regionCode=almaty'],
      ['GET', '/api/v1/public/applications/75.UO.2026.000001.1'],
      ['GET', '/api/v1/public/documents/ABCD-EFGH-JKMN-PQRS-TVWX'],
      ['HEAD', '/api/v1/public/places?regionCode=almaty'],
    ] as const) {
      expect([path, (await app.fetch(path, { method })).status]).toEqual([path, 429]);
    }
  });

  it('no spelling of a limited path escapes it: another case, a trailing slash', async () => {
    const app = await limitedApi({ anonymousPerMinute: 1, exempt: [] });
    expect((await challenge(app)).status).toBe(201);
    for (const path of ['/API/V1/Auth/Challenge', '/api/v1/auth/challenge/']) expect([path, (await app.fetch(path, { method: 'POST' })).status]).toEqual([path, 429]);
  });

  it('logged-in routes, the health routes and the docs are never counted, even from an address over its limit', async () => {
    const app = await limitedApi({ anonymousPerMinute: 1, exempt: [] });
    const family = await buildFamily(api.db);
    const token = await api.login(family.parentIin);
    expect((await challenge(app)).status).toBe(201);
    expect((await challenge(app)).status).toBe(429);
    for (let i = 0; i < 3; i++) {
      const me = await app.fetch('/api/v1/me', { headers: { authorization: `Bearer ${token}` } });
      expect(me.status).toBe(200);
      expect(me.headers.get('ratelimit')).toBeNull();
    }
    for (const path of [...HEALTH_ROUTES.map((r) => r.path), '/api/v1/openapi.json', '/docs', '/api/v1/nothing-here']) {
      const res = await app.fetch(path);
      expect([path, res.status === 429, res.headers.get('ratelimit')]).toEqual([path, false, null]);
    }
  });

  it('without TRUST_PROXY, X-Forwarded-For is ignored: a client cannot name itself another address', async () => {
    const app = await limitedApi({ anonymousPerMinute: 1, exempt: [] });
    expect((await challenge(app, { 'x-forwarded-for': '203.0.113.1' })).status).toBe(201);
    expect((await challenge(app, { 'x-forwarded-for': '203.0.113.2' })).status).toBe(429);
  });

  it('with TRUST_PROXY, the address the proxy appended is the client: two clients are counted apart, and what a client wrote before it counts for nothing', async () => {
    const app = await limitedApi({ anonymousPerMinute: 2, exempt: [] }, { trustProxy: true });
    const from = (chain: string) => challenge(app, { 'x-forwarded-for': chain });
    expect((await from('198.51.100.7')).status).toBe(201);
    expect((await from('198.51.100.7')).status).toBe(201);
    expect((await from('198.51.100.7')).status).toBe(429);
    expect((await from('198.51.100.8')).status).toBe(201);
    // The client sent "X-Forwarded-For: 192.0.2.99"; the proxy appended the address it saw.
    expect((await from('192.0.2.99, 198.51.100.7')).status).toBe(429);
  });

  it('an exempt address is never limited and gets no RateLimit fields; 127.0.0.1 covers IPv4 clients of a dual-stack listener (::ffff:127.0.0.1)', async () => {
    for (const host of ['127.0.0.1', '::']) {
      const app = await limitedApi({ anonymousPerMinute: 1, exempt: ['127.0.0.1', '::1'] }, {}, host);
      for (let i = 0; i < 5; i++) {
        const res = await challenge(app);
        expect([host, res.status, res.headers.get('ratelimit')]).toEqual([host, 201, null]);
      }
    }
  });

  it('the OpenAPI document gives 429 and the RateLimit fields to exactly the limited operations', async () => {
    const doc = (await api.request('GET', '/api/v1/openapi.json')).body;
    const limited = Object.values(doc.paths as Record<string, Record<string, any>>)
      .flatMap((ops) => Object.values(ops))
      .filter((op) => op.responses['429'])
      .map((op) => op.operationId)
      .sort();
    expect(limited).toEqual(['createLoginChallenge', 'listChainEntries', 'listChainHeads', 'listIssuedReferrals', 'listPublishedPlaces', 'listRegionKindergartens', 'login', 'lookupApplication', 'verifyDocument']);
    const places = doc.paths['/api/v1/public/places'].get.responses;
    expect(Object.keys(places['200'].headers)).toEqual(expect.arrayContaining(['RateLimit', 'RateLimit-Policy']));
    expect(places['429']).toMatchObject({ headers: { 'Retry-After': expect.any(Object) }, content: { 'application/problem+json': expect.any(Object) } });
    expect(doc.components.schemas.Problem.properties.code.enum).toContain('RATE_LIMITED');
  });
});

describe('the counter keeps bounded memory', () => {
  it('a window per key: refused past its quota until the window ends, then counted afresh', () => {
    let now = 0;
    const windows = new FixedWindows(2, 60_000, 100, () => now);
    expect([windows.take('a'), windows.take('a'), windows.take('a')].map((t) => [t.allowed, t.remaining])).toEqual([[true, 1], [true, 0], [false, 0]]);
    now = 59_001;
    expect(windows.take('a')).toEqual({ allowed: false, remaining: 0, resetSeconds: 1 });
    now = 60_000;
    expect(windows.take('a')).toMatchObject({ allowed: true, remaining: 1, resetSeconds: 60 });
  });

  it('ended windows are dropped as requests come, and past the cap the window ending soonest goes first', () => {
    let now = 0;
    const windows = new FixedWindows(1, 1000, 3, () => now);
    for (const key of ['a', 'b', 'c']) windows.take(key);
    now = 10;
    windows.take('d');
    expect(windows.size).toBe(3);
    // 'a' was forgotten to make room: it starts afresh; 'c' was not.
    expect(windows.take('a').allowed).toBe(true);
    expect(windows.take('c').allowed).toBe(false);
    now = 5000;
    windows.take('e');
    expect(windows.size).toBe(1);
  });

  it('addresses: an IPv4-mapped one counts as IPv4; IPv6 counts by its /64; exempt entries are addresses or CIDR ranges, checked at start', () => {
    expect(plainAddress('::ffff:203.0.113.5')).toBe('203.0.113.5');
    expect(clientKey('::ffff:203.0.113.5')).toBe('203.0.113.5');
    expect(clientKey('2001:db8:1:2::1')).toBe(clientKey('2001:db8:1:2:ffff:eeee:dddd:cccc'));
    expect(clientKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8:1:3::1')).not.toBe(clientKey('2001:db8:1:2::1'));
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    const exempt = exemptList(['10.0.0.0/8', '::1', '::ffff:192.0.2.1']);
    expect([exempt.check('10.1.2.3', 'ipv4'), exempt.check('11.0.0.1', 'ipv4'), exempt.check('::1', 'ipv6'), exempt.check('192.0.2.1', 'ipv4')]).toEqual([true, false, true, true]);
    expect(() => exemptList(['localhost'])).toThrow(/^RATE_LIMIT_EXEMPT: "localhost"/);
    expect(() => exemptList(['10.0.0.0/33'])).toThrow(/RATE_LIMIT_EXEMPT/);
  });
});
