import { apiRouters } from '../../api/app';
import { startApi, type ApiHarness } from '../helpers/api';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api?.close());

describe('the OpenAPI document', () => {
  it('lists every route the routers serve, with its role; every signed action documents its XML', async () => {
    const res = await api.request('GET', '/api/v1/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.openapi).toBe('3.1.0');
    const served = apiRouters(api.deps).flatMap((router) =>
      router.stack.flatMap((layer) => layer.methods.filter((m) => m !== 'HEAD').map((m) => `${m.toLowerCase()} ${String(layer.path).replace(/:(\w+)/g, '{$1}')}`)),
    );
    expect(served.length).toBeGreaterThan(25);
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(served.filter((r) => !documented.includes(r))).toEqual([]);
    expect(documented.filter((r) => !served.includes(r))).toEqual([]);

    const choose = doc.paths['/api/v1/applications/{number}/choose-kindergarten'].post;
    expect(choose.description).toBe('Role: applicant.');
    expect(choose['x-signed-document']).toMatchObject({ rootElement: 'chooseKindergarten', fields: { properties: { placeId: expect.any(Object) } } });
    expect(choose.requestBody.description).toContain('<chooseKindergarten xmlns="urn:kz:kindergarten-queue:v1"><applicationNumber>');
    expect(doc.paths['/api/v1/applications'].post['x-signed-document'].fields.required).toContain('childIin');

    const page = await api.request('GET', '/docs');
    expect(page.type).toContain('text/html');
    expect(page.body).toContain('&lt;fileApplication xmlns=');
  });
});
