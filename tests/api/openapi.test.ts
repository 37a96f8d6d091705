import { z } from 'zod';
import { apiRouter } from '../../api/app';
import { openApiPath } from '../../api/openapi';
import { route } from '../../api/route';
import { ROUTES } from '../../api/routes';
import { schemaCheckedAnswers } from '../helpers/answers';
import { startApi, type ApiHarness } from '../helpers/api';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api?.close());

type Operation = Record<string, any>;
const operations = (doc: any): [string, Operation][] =>
  Object.entries(doc.paths as Record<string, Record<string, Operation>>).flatMap(([path, ops]) => Object.entries(ops).map(([m, op]) => [`${m} ${path}`, op] as [string, Operation]));

describe('the OpenAPI document and the router, both made from the route table', () => {
  let doc: any;
  beforeAll(async () => {
    const res = await api.request('GET', '/api/v1/openapi.json');
    expect(res.status).toBe(200);
    doc = res.body;
  });

  it('the router serves exactly the operations the document lists, and the other way round', () => {
    expect(doc.openapi).toBe('3.1.0');
    const served = apiRouter(api.deps).stack.flatMap((layer) => layer.methods.filter((m) => m !== 'HEAD').map((m) => `${m.toLowerCase()} ${openApiPath(String(layer.path))}`));
    const documented = operations(doc).map(([key]) => key);
    expect(served.length).toBeGreaterThan(30);
    expect(served.filter((r) => !documented.includes(r))).toEqual([]);
    expect(documented.filter((r) => !served.includes(r))).toEqual([]);
  });

  it('every operation has a unique operationId, a success answer with its schema, and its parameters as the server checks them', () => {
    const ids = operations(doc).map(([, op]) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [key, op] of operations(doc)) {
      const success = Object.entries(op.responses).filter(([status]) => /^2\d\d$/.test(status));
      expect([key, success.length]).toEqual([key, 1]);
      const [status, answer] = success[0] as [string, any];
      if (status !== '204') expect([key, Object.values(answer.content ?? {}).every((c: any) => c.schema && Object.keys(c.schema).length > 0)]).toEqual([key, true]);
      for (const p of op.parameters.filter((p: any) => p.in === 'path')) expect([key, p.name, p.required, p.schema]).toEqual([key, p.name, true, expect.any(Object)]);
    }
    const card = doc.paths['/api/v1/applications/{number}'].get;
    expect(card.parameters[0].schema).toMatchObject({ type: 'string', pattern: expect.any(String), maxLength: 40 });
    expect(card.responses['200'].content['application/json; charset=utf-8'].schema.required).toEqual(expect.arrayContaining(['number', 'status', 'queueNumber', 'history']));
    const places = doc.paths['/api/v1/public/places'].get.parameters;
    expect(places.find((p: any) => p.name === 'regionCode')).toMatchObject({ in: 'query', required: true });
    expect(places.find((p: any) => p.name === 'groupYear')).toMatchObject({ in: 'query', required: false, schema: { minimum: 2000, maximum: 2100 } });
    expect(doc.paths['/api/v1/auth/login'].post.requestBody.content['application/json'].schema.required).toEqual(['signedXml']);
    expect(doc.paths['/api/v1/staff/arrivals'].post.parameters).toContainEqual(expect.objectContaining({ name: 'Idempotency-Key', in: 'header' }));
  });

  it('links lead from an answer to operations that exist, by parameters they take', () => {
    const byId = new Map(operations(doc).map(([, op]) => [op.operationId, op]));
    const links = operations(doc).flatMap(([, op]) => Object.values(op.responses).flatMap((r: any) => Object.values(r.links ?? {})));
    expect(links.length).toBeGreaterThanOrEqual(10);
    for (const link of links as any[]) {
      const target = byId.get(link.operationId);
      expect([link.operationId, target !== undefined]).toEqual([link.operationId, true]);
      const names = target!.parameters.map((p: any) => p.name);
      for (const [name, expression] of Object.entries(link.parameters)) {
        expect(names).toContain(name);
        expect(expression).toMatch(/^\$response\.body#\/[\w/]+$/);
      }
    }
    expect(doc.paths['/api/v1/applications'].post.responses['201'].links.getApplication).toEqual(expect.objectContaining({ parameters: { number: '$response.body#/number' } }));
  });

  it('every signed action documents its XML document', () => {
    const choose = doc.paths['/api/v1/applications/{number}/choose-kindergarten'].post;
    expect(choose.description).toBe('Role: applicant.');
    expect(choose['x-signed-document']).toMatchObject({ rootElement: 'chooseKindergarten', fields: { properties: { placeId: expect.any(Object) } } });
    expect(choose.requestBody.description).toContain('<chooseKindergarten xmlns="urn:kz:kindergarten-queue:v1"><applicationNumber>');
    expect(doc.paths['/api/v1/applications'].post['x-signed-document'].fields.required).toContain('childIin');
    for (const r of ROUTES.filter((r) => r.signed)) expect(r.signed!.action).toBe(r.operationId);
  });
});

describe('answers are held to their declared schema in every API test', () => {
  const answer = route({
    operationId: 'example',
    method: 'get',
    path: '/example/:id',
    role: 'anyone',
    summary: 'an example',
    params: z.object({ id: z.string() }),
    ok: { status: 200, schema: z.strictObject({ id: z.string() }) },
    handle: async ({ params }) => ({ id: params.id }),
  });

  it('an answer that breaks its schema fails the request and is kept', () => {
    const answers = schemaCheckedAnswers();
    answers.check(answer, 200, { id: 'a' });
    expect(() => answers.check(answer, 200, { id: 'a', extra: true })).toThrow(/example answered 200 against its declared schema/);
    expect(() => answers.check(answer, 200, { id: 1 })).toThrow();
    expect(answers.violations).toHaveLength(2);
    expect(answers.checked.get('example')).toBe(1);
  });

  it('a route whose path names a parameter without a schema is refused when declared', () => {
    expect(() => route({ ...answer, params: z.object({}) } as any)).toThrow(/path parameters id have no schema/);
  });
});
