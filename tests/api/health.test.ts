import type { AddressInfo } from 'node:net';
import { createApp, type AppDeps } from '../../api/app';
import { MirroredPersonRegistry } from '../../db/person-registry';
import { buildFamily } from '../helpers/factories';
import { startApi, type ApiHarness } from '../helpers/api';
import { unreachableDb } from '../helpers/db';

describe('health and production behaviour', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api?.close());

  /** The API beside the harness's, made with other dependencies, on a port of its own. */
  async function answerOf(deps: AppDeps, path = '/readyz') {
    const server = createApp(deps).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`);
      return { status: res.status, type: res.headers.get('content-type'), body: await res.json() };
    } finally {
      server.close();
    }
  }

  it('GET /livez answers 200 while the process answers, checking no dependency', async () => {
    const res = await api.request('GET', '/livez');
    expect([res.status, res.body]).toEqual([200, { status: 'ok' }]);
    const unreachable = unreachableDb();
    try {
      const res = await answerOf({ ...api.deps, db: unreachable, registry: new MirroredPersonRegistry(unreachable) }, '/livez');
      expect([res.status, res.body]).toEqual([200, { status: 'ok' }]);
    } finally {
      await unreachable.destroy();
    }
  });

  it('GET /readyz answers 200 when PostgreSQL and Temporal answer, and /healthz, its deprecated alias, the same', async () => {
    for (const path of ['/readyz', '/healthz']) {
      const res = await api.request('GET', path);
      expect([path, res.status, res.body]).toEqual([path, 200, { status: 'ok', checks: { postgres: 'up', temporal: 'up' } }]);
    }
  });

  it('GET /readyz (and /healthz) answers 503 naming the dependency that does not answer', async () => {
    const unreachable = unreachableDb();
    try {
      for (const path of ['/readyz', '/healthz']) {
        const res = await answerOf({ ...api.deps, db: unreachable, registry: new MirroredPersonRegistry(unreachable) }, path);
        expect(res.status).toBe(503);
        expect(res.type).toContain('application/problem+json');
        expect(res.body).toMatchObject({ code: 'UNAVAILABLE', checks: { postgres: 'down', temporal: 'up' } });
      }
    } finally {
      await unreachable.destroy();
    }
  });

  it('GET /readyz answers 503 shuttingDown once the API drains, though its dependencies answer; /livez still 200', async () => {
    const lifecycle = { draining: false };
    expect((await answerOf({ ...api.deps, lifecycle })).status).toBe(200);
    lifecycle.draining = true;
    const res = await answerOf({ ...api.deps, lifecycle });
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ code: 'UNAVAILABLE', shuttingDown: true });
    expect((await answerOf({ ...api.deps, lifecycle }, '/livez')).status).toBe(200);
  });

  it('the OpenAPI document marks /healthz deprecated, and only it', async () => {
    const doc = (await api.request('GET', '/api/v1/openapi.json')).body;
    expect(doc.paths['/healthz'].get).toMatchObject({ deprecated: true, summary: expect.stringContaining('alias of /readyz') });
    expect(doc.paths['/readyz'].get.deprecated).toBeUndefined();
    expect(doc.paths['/livez'].get.deprecated).toBeUndefined();
  });

  it('names nobody by a header: only a session from a signed login does', async () => {
    const family = await buildFamily(api.db);
    const res = await api.request('GET', '/api/v1/applications', { headers: { 'x-dev-iin': family.parentIin } });
    expect([res.status, res.body.code]).toEqual([401, 'UNAUTHENTICATED']);
  });

  it('answers an unknown route with a problem', async () => {
    const res = await api.request('GET', '/api/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.type).toContain('application/problem+json');
    expect(res.body.code).toBe('NOT_FOUND');
  });
});
