/**
 * The headers on every answer (api/security-headers.ts): helmet's for an API, problems included;
 * /docs keeping its own page CSP; CORS only for the origins in CORS_ORIGINS; WWW-Authenticate on 401.
 */
import { corsOrigins } from '../../api/security-headers';
import { startApi, type ApiHarness } from '../helpers/api';
import { serveBeside, type AppBeside } from '../helpers/app-beside';

let api: ApiHarness;
let portal: AppBeside;
const PORTAL = 'https://portal.example.kz';
beforeAll(async () => {
  api = await startApi();
  portal = await serveBeside({ ...api.deps, corsOrigins: [PORTAL, 'http://localhost:5173'] });
});
afterAll(async () => {
  await portal?.close();
  await api?.close();
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(api.baseUrl + path, { headers });

describe("helmet's headers for an API, on every answer", () => {
  it('an answer, a problem (404, 401, 400) and a 405 all carry them; nothing says what serves them', async () => {
    const answers = {
      ok: await get('/api/v1/public/places?regionCode=almaty'),
      notFound: await get('/api/v1/nothing-here'),
      unauthenticated: await get('/api/v1/me'),
      invalid: await get('/api/v1/public/places'),
      wrongMethod: await fetch(`${api.baseUrl}/api/v1/public/places?regionCode=almaty`, { method: 'DELETE' }),
    };
    expect(Object.values(answers).map((r) => r.status)).toEqual([200, 404, 401, 400, 405]);
    for (const [name, res] of Object.entries(answers)) {
      const h = (n: string) => [name, res.headers.get(n)];
      expect(h('content-security-policy')).toEqual([name, "default-src 'none';frame-ancestors 'none'"]);
      expect(h('x-content-type-options')).toEqual([name, 'nosniff']);
      expect(h('x-frame-options')).toEqual([name, 'DENY']);
      expect(h('strict-transport-security')).toEqual([name, 'max-age=31536000; includeSubDomains']);
      expect(h('referrer-policy')).toEqual([name, 'no-referrer']);
      expect(h('cross-origin-resource-policy')).toEqual([name, 'same-origin']);
      expect(h('cross-origin-opener-policy')).toEqual([name, 'same-origin']);
      expect(h('x-powered-by')).toEqual([name, null]);
    }
  });

  it('RFC 6750: a 401 names the Bearer scheme; a refused token is invalid_token', async () => {
    expect((await get('/api/v1/me')).headers.get('www-authenticate')).toBe('Bearer realm="kindergarten-queue"');
    const refused = await get('/api/v1/me', { authorization: `Bearer ${'x'.repeat(40)}` });
    expect([refused.status, refused.headers.get('www-authenticate')]).toEqual([401, 'Bearer realm="kindergarten-queue", error="invalid_token"']);
  });

  it('/docs keeps its own strict page CSP, not the API answers’ one', async () => {
    const res = await get('/docs');
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-');
    expect(res.headers.get('content-security-policy')).not.toBe("default-src 'none';frame-ancestors 'none'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });
});

describe('CORS only for the origins in CORS_ORIGINS', () => {
  it('a listed origin may read an answer, and the headers a client needs (RateLimit, Retry-After, Link, Location, X-Request-Id)', async () => {
    const res = await portal.fetch('/api/v1/public/places?regionCode=almaty', { headers: { origin: PORTAL } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(PORTAL);
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('vary')).toMatch(/origin/i);
    const exposed = (res.headers.get('access-control-expose-headers') ?? '').split(',');
    expect(exposed).toEqual(expect.arrayContaining(['RateLimit', 'RateLimit-Policy', 'Retry-After', 'Link', 'Location', 'X-Request-Id']));
    // A problem is readable too: the page can show why.
    const problem = await portal.fetch('/api/v1/me', { headers: { origin: PORTAL } });
    expect([problem.status, problem.headers.get('access-control-allow-origin')]).toEqual([401, PORTAL]);
  });

  it('a preflight from a listed origin is answered with what it may send; the headers the routes read are allowed', async () => {
    const res = await portal.fetch('/api/v1/staff/arrivals', {
      method: 'OPTIONS',
      headers: { origin: PORTAL, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, idempotency-key' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(PORTAL);
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect((res.headers.get('access-control-allow-headers') ?? '').split(',')).toEqual(expect.arrayContaining(['Authorization', 'Content-Type', 'Idempotency-Key']));
    expect(Number(res.headers.get('access-control-max-age'))).toBeGreaterThan(0);
  });

  it('any other origin gets no Access-Control-Allow-Origin, on an answer or a preflight; without CORS_ORIGINS, no origin does', async () => {
    for (const origin of ['https://evil.example', 'https://portal.example.kz.evil.example', 'null', `${PORTAL}:8443`]) {
      const res = await portal.fetch('/api/v1/public/places?regionCode=almaty', { headers: { origin } });
      expect([origin, res.status, res.headers.get('access-control-allow-origin')]).toEqual([origin, 200, null]);
      const preflight = await portal.fetch('/api/v1/auth/login', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
      expect([origin, preflight.headers.get('access-control-allow-origin'), preflight.headers.get('access-control-allow-methods')]).toEqual([origin, null, null]);
    }
    const harness = await get('/api/v1/public/places?regionCode=almaty', { origin: PORTAL });
    expect(harness.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('CORS_ORIGINS holds origins only: a path, a wildcard or another scheme stops the process at start', () => {
    expect([...corsOrigins(['https://Portal.Example.kz/', 'http://localhost:5173'])]).toEqual(['https://portal.example.kz', 'http://localhost:5173']);
    for (const bad of ['*', 'https://portal.example.kz/app', 'portal.example.kz', 'file:///tmp', 'null']) {
      expect(() => corsOrigins([bad])).toThrow(/^CORS_ORIGINS: /);
    }
  });
});
