import { startApi, type ApiHarness } from '../helpers/api';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api?.close());

const TYPES: Record<string, string> = {
  css: 'text/css',
  js: 'text/javascript',
  png: 'image/png',
};

describe('the /docs page (Swagger UI from swagger-ui-dist)', () => {
  it('is our page, strict: no inline script or style, a CSP of its own origin, nosniff', async () => {
    const res = await fetch(`${api.baseUrl}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-');
    const html = await res.text();
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<title>Kindergarten queue API</title>');
    expect(html).toContain('<script src="/docs/init.js"></script>');
    expect(html).toContain('<script src="/docs/assets/swagger-ui-bundle.js"></script>');
    expect(html).toContain('<link rel="stylesheet" href="/docs/assets/swagger-ui.css">');
    // Every <script> loads a file; no style element or attribute.
    expect(html.match(/<script\b[^>]*>/g)?.every((tag) => /\ssrc="/.test(tag))).toBe(true);
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
  });

  it('answers for every file the page references, with its media type, nosniff and a cache lifetime', async () => {
    const html = await (await fetch(`${api.baseUrl}/docs`)).text();
    const refs = [...html.matchAll(/(?:src|href)="(\/docs\/[^"]+)"/g)].map((m) => m[1]!);
    expect(refs).toEqual(
      expect.arrayContaining([
        '/docs/assets/swagger-ui.css',
        '/docs/assets/swagger-ui-bundle.js',
        '/docs/assets/favicon-32x32.png',
        '/docs/assets/favicon-16x16.png',
        '/docs/init.js',
      ]),
    );
    for (const ref of refs) {
      const res = await fetch(api.baseUrl + ref);
      expect([ref, res.status]).toEqual([ref, 200]);
      expect([ref, res.headers.get('content-type')]).toEqual([ref, expect.stringContaining(TYPES[ref.split('.').pop()!]!)]);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('cache-control')).toBe(ref.startsWith('/docs/assets/') ? 'public, max-age=86400' : 'no-cache');
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(100);
    }
  });

  it('starts Swagger UI on the OpenAPI document from init.js', async () => {
    const res = await api.request('GET', '/docs/init.js');
    expect([res.status, res.type]).toEqual([200, 'text/javascript; charset=utf-8']);
    expect(res.body).toContain("url: '/api/v1/openapi.json'");
    expect(res.body).toContain("dom_id: '#swagger-ui'");
    expect(res.body).toContain('SwaggerUIBundle(');
  });

  it.each([
    '/docs/assets/unknown.js',
    '/docs/assets/package.json',
    '/docs/assets/index.html',
    '/docs/assets/swagger-initializer.js',
    '/docs/assets/swagger-ui-standalone-preset.js',
    '/docs/assets/swagger-ui.css.map',
    '/docs/assets/..%2Fpackage.json',
    '/docs/assets/..%2F..%2F..%2Fpackage.json',
    '/docs/assets/%2E%2E%2Fswagger-ui-dist%2Fswagger-ui.css',
    '/docs/assets/constructor',
    '/docs/assets/__proto__',
  ])('answers 404 as a problem to %s, a file not on the list', async (url) => {
    const res = await api.request('GET', url);
    expect(res.status).toBe(404);
    expect(res.type).toBe('application/problem+json');
    expect(res.body).toMatchObject({ code: 'NOT_FOUND', status: 404 });
  });
});
