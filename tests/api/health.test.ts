import type { AddressInfo } from 'node:net';
import { createApp } from '../../api/app';
import { createDb } from '../../db/connection';
import { MirroredPersonRegistry } from '../../db/person-registry';
import { buildFamily } from '../helpers/factories';
import { startApi, type ApiHarness } from '../helpers/api';

describe('health and production behaviour', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api?.close());

  it('GET /healthz answers 200 when PostgreSQL and Temporal answer', async () => {
    const res = await api.request('GET', '/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', checks: { postgres: 'up', temporal: 'up' } });
  });

  it('GET /healthz answers 503 naming the dependency that does not answer', async () => {
    const unreachable = createDb('postgres://nobody:nothing@127.0.0.1:1/none', 1);
    const app = createApp({ ...api.deps, db: unreachable, registry: new MirroredPersonRegistry(unreachable) });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ code: 'UNAVAILABLE', checks: { postgres: 'down', temporal: 'up' } });
    } finally {
      server.close();
      await unreachable.destroy();
    }
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
