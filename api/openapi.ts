import { z } from 'zod';
import { PROBLEMS } from './problems';
import {
  attachApplicationSchema,
  changeBenefitCategorySchema,
  chooseKindergartenSchema,
  extendReferralSchema,
  noParamsSchema,
} from './schemas/actions';
import { accountEmailSchema, applicationParamsSchema, fileApplicationSchema, idempotencyKeySchema, signedDocumentParamsSchema } from './schemas/applications';
import { SAFE_TEXT_PATTERN } from './schemas/common';
import { signedBodySchema } from './signed-action';
import { publicFilterSchema } from './schemas/public';
import {
  addPlacesSchema,
  arrivalSchema,
  calendarDayParamsSchema,
  calendarDaySchema,
  calendarQuerySchema,
  dailyRunSchema,
  departureSchema,
  regionParamsSchema,
  regionSettingsChangeSchema,
} from './schemas/staff';
import { DOCUMENT_NS, documentXml } from './signature/xml';

type Role = 'anyone' | 'logged in' | 'applicant' | 'kindergarten_staff' | 'operator';

/** A signed action (R1.2): its document's root element and fields besides the envelope. */
interface SignedDocument {
  action: string;
  fields: z.ZodType;
  /** Whether the document names the application it acts on (every action but filing). */
  namesApplication: boolean;
  example: Record<string, unknown>;
}

export interface RouteDoc {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** As the router spells it, `:param` and all. */
  path: string;
  role: Role;
  summary: string;
  /** The path parameters' schema; every `:param` of the path must be in it. */
  params?: z.ZodType;
  body?: z.ZodType;
  query?: z.ZodType;
  /** Request headers the route reads besides Authorization. */
  headers?: { name: string; schema: z.ZodType; description: string }[];
  signed?: SignedDocument;
  /** The success answer: its status and media type (default 200, JSON). */
  ok?: { status: 200 | 201 | 202 | 204; media?: 'application/json' | 'text/html' | 'application/xml' };
}

const signed = (action: string, fields: z.ZodType, example: Record<string, unknown>, namesApplication = true): SignedDocument => ({
  action,
  fields,
  namesApplication,
  example,
});

const A = '/api/v1/applications/:number';

/** Every route of the API. A test fails when the routers have one this list lacks. */
export const ROUTES: RouteDoc[] = [
  { method: 'get', path: '/healthz', role: 'anyone', summary: '200 when PostgreSQL and Temporal answer, else 503 naming which' },
  { method: 'get', path: '/api/v1/openapi.json', role: 'anyone', summary: 'This document' },
  { method: 'get', path: '/docs', role: 'anyone', summary: 'This document as a page', ok: { status: 200, media: 'text/html' } },
  { method: 'get', path: '/api/v1/public/places', role: 'anyone', summary: 'R4.3, R11.1: published places', query: publicFilterSchema },
  { method: 'get', path: '/api/v1/public/referrals', role: 'anyone', summary: 'R11.1: issued referrals', query: publicFilterSchema },
  { method: 'get', path: '/api/v1/public/applications/:number', role: 'anyone', summary: 'R11.2: status and queue numbers, nothing personal' },
  { method: 'post', path: '/api/v1/auth/challenge', role: 'anyone', summary: 'R1.1: a one-time login challenge (`xml`) to sign with the AUTH key', ok: { status: 201 } },
  {
    method: 'post',
    path: '/api/v1/auth/login',
    role: 'anyone',
    summary: 'R1.1: the signed challenge, `{"signedXml"}`; answers a Bearer token and whether an e-mail is still needed (R1.3)',
    body: signedBodySchema,
  },
  { method: 'post', path: '/api/v1/auth/logout', role: 'logged in', summary: 'Ends the session', ok: { status: 204 } },
  { method: 'get', path: '/api/v1/me', role: 'logged in', summary: 'The logged-in person, their roles, whether an e-mail is needed' },
  { method: 'put', path: '/api/v1/me/email', role: 'logged in', summary: 'R1.3: the e-mail asked at first login', body: accountEmailSchema },
  {
    method: 'post',
    path: '/api/v1/applications',
    role: 'applicant',
    summary: 'R2: file an application; 201 with the card',
    ok: { status: 201 },
    signed: signed(
      'fileApplication',
      fileApplicationSchema,
      { regionCode: 'almaty', queueType: 'general', childIin: '231024502016', benefitCategory: 'none', language: 'ru', contacts: { email: 'a@example.kz', phone: '+77010000001' } },
      false,
    ),
  },
  { method: 'get', path: '/api/v1/applications', role: 'applicant', summary: 'R3.2: the applications the person filed or attached' },
  { method: 'get', path: A, role: 'applicant', summary: 'R3.3: the card; 404 for another person’s application' },
  { method: 'get', path: `${A}/signed-documents/:id`, role: 'applicant', summary: 'R1.2: the signed document behind a history entry', params: signedDocumentParamsSchema, ok: { status: 200, media: 'application/xml' } },
  { method: 'post', path: `${A}/attach`, role: 'applicant', summary: 'R3.2: attach a child’s application to the parent’s IIN', body: attachApplicationSchema },
  { method: 'post', path: `${A}/confirm-interest`, role: 'applicant', summary: 'R6.1', signed: signed('confirmInterest', noParamsSchema, {}) },
  { method: 'post', path: `${A}/choose-kindergarten`, role: 'applicant', summary: 'R4.6, R5.1', signed: signed('chooseKindergarten', chooseKindergartenSchema, { placeId: 12 }) },
  { method: 'post', path: `${A}/extend-referral`, role: 'applicant', summary: 'R5.5', signed: signed('extendReferral', extendReferralSchema, { days: 10 }) },
  { method: 'post', path: `${A}/withdraw-referral`, role: 'applicant', summary: 'R5.6', signed: signed('withdrawReferral', noParamsSchema, {}) },
  { method: 'post', path: `${A}/leave-queue`, role: 'applicant', summary: 'R6.2', signed: signed('leaveQueue', noParamsSchema, {}) },
  {
    method: 'post',
    path: `${A}/change-benefit-category`,
    role: 'applicant',
    summary: 'R6.2',
    signed: signed('changeBenefitCategory', changeBenefitCategorySchema, { benefitCategory: 'first_priority' }),
  },
  { method: 'post', path: '/api/v1/staff/places', role: 'kindergarten_staff', summary: 'R4.2: free places of their kindergarten', body: addPlacesSchema, ok: { status: 201 } },
  { method: 'get', path: '/api/v1/staff/places', role: 'kindergarten_staff', summary: 'Their kindergarten’s places' },
  {
    method: 'post',
    path: '/api/v1/staff/arrivals',
    role: 'kindergarten_staff',
    summary: 'R7.1: the child arrived with a referral to their kindergarten; a repeat answers the state it took effect in',
    body: arrivalSchema,
    headers: [{ name: 'Idempotency-Key', schema: idempotencyKeySchema, description: 'Names a client’s retries of one arrival' }],
  },
  { method: 'post', path: '/api/v1/staff/departures', role: 'kindergarten_staff', summary: 'R7.3', body: departureSchema },
  { method: 'get', path: '/api/v1/admin/calendar-days', role: 'operator', summary: 'The working-day calendar’s exceptions', query: calendarQuerySchema },
  { method: 'post', path: '/api/v1/admin/calendar-days', role: 'operator', summary: 'Add a holiday, decree day off or working Saturday', body: calendarDaySchema, ok: { status: 201 } },
  { method: 'delete', path: '/api/v1/admin/calendar-days/:id', role: 'operator', summary: 'Remove an entry they keep', ok: { status: 204 } },
  { method: 'get', path: '/api/v1/admin/regions/:code/settings', role: 'operator', summary: 'R10: a region’s rule settings' },
  {
    method: 'patch',
    path: '/api/v1/admin/regions/:code/settings',
    role: 'operator',
    summary: 'R10: change a region’s rule settings (not its numbering prefix); the daily schedules follow',
    body: regionSettingsChangeSchema,
  },
  { method: 'post', path: '/api/v1/admin/runs', role: 'operator', summary: 'Run the region’s publication or offer now', body: dailyRunSchema, ok: { status: 202 } },
  { method: 'get', path: '/api/v1/admin/invariants', role: 'operator', summary: 'R4.8: the seat invariant' },
];

const jsonSchema = (schema: z.ZodType) => withSafeText(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' })) as Record<string, any>;

/** The signed document of an action, as its fields' schema and an example. */
export function signedDocumentExample(doc: SignedDocument): string {
  return documentXml(doc.action, {
    ...(doc.namesApplication ? { applicationNumber: '75.UO.2026.000001.1' } : {}),
    ...doc.example,
    nonce: '9f2c4e0a7b1d3f56',
    signedAt: '2026-11-24T09:00:00Z',
  });
}

/** The path parameters each route validates with, by the name they have in paths. */
const PATH_PARAMS: Record<string, z.ZodType> = {
  number: applicationParamsSchema,
  id: calendarDayParamsSchema,
  code: regionParamsSchema,
};

/** The success answer as the route sends it; 204 carries no body. */
function successResponse(r: RouteDoc) {
  const { status, media } = { media: 'application/json' as const, ...(r.ok ?? { status: 200 }) };
  const description = { 200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'Done, nothing to return' }[status];
  if (status === 204) return { 204: { description } };
  const schema = media === 'application/json' ? { type: 'object' } : { type: 'string' };
  // Koa names the charset of text it sends.
  const type = media === 'application/xml' ? media : `${media}; charset=utf-8`;
  return { [status]: { description, content: { [type]: { schema } } } };
}

/**
 * Every string the API accepts holds no NUL, no other C0 control character but TAB, LF and CR, no
 * DEL (api/text-safety.ts); said on every string without a pattern of its own, so the document
 * describes what is accepted.
 */

function withSafeText(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withSafeText);
  if (schema === null || typeof schema !== 'object') return schema;
  const out = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, withSafeText(v)])) as Record<string, unknown>;
  if (out.type === 'string' && out.pattern === undefined && out.enum === undefined && out.const === undefined && out.format === undefined) out.pattern = SAFE_TEXT_PATTERN;
  return out;
}

function operation(r: RouteDoc) {
  const paramSchemas = (jsonSchema(r.params ?? z.object({})).properties ?? {}) as Record<string, object>;
  const params = [...r.path.matchAll(/:(\w+)/g)].map((m) => ({
    name: m[1]!,
    in: 'path',
    required: true,
    schema: paramSchemas[m[1]!] ?? (jsonSchema(PATH_PARAMS[m[1]!] ?? z.object({})).properties as Record<string, object> | undefined)?.[m[1]!] ?? { type: 'string' },
  }));
  const querySchema = r.query ? jsonSchema(r.query) : undefined;
  const required = new Set((querySchema?.required ?? []) as string[]);
  const query = Object.entries((querySchema?.properties ?? {}) as Record<string, object>).map(([name, schema]) => ({ name, in: 'query', required: required.has(name), schema }));
  const headers = (r.headers ?? []).map((h) => ({ name: h.name, in: 'header', required: false, description: h.description, schema: jsonSchema(h.schema) }));
  const body = r.signed
    ? {
        required: true,
        description:
          `Signed with the person's signing key (R1.2): an XML document \`<${r.signed.action} xmlns="${DOCUMENT_NS}">\` ` +
          `holding ${r.signed.namesApplication ? 'applicationNumber, ' : ''}the fields below, a nonce (16–128 of [A-Za-z0-9_-], used once) and signedAt (ISO instant), ` +
          `with one enveloped XMLDSig signature. Example before signing:\n\n    ${signedDocumentExample(r.signed)}`,
        content: {
          'application/json': {
            schema: jsonSchema(signedBodySchema),
          },
        },
      }
    : r.body
      ? { required: true, content: { 'application/json': { schema: jsonSchema(r.body) } } }
      : undefined;
  return {
    summary: r.summary,
    description: `Role: ${r.role}.`,
    ...(r.role === 'anyone' ? { security: [] } : {}),
    'x-role': r.role,
    parameters: [...params, ...query, ...headers],
    ...(body ? { requestBody: body } : {}),
    ...(r.signed ? { 'x-signed-document': { rootElement: r.signed.action, namespace: DOCUMENT_NS, fields: jsonSchema(r.signed.fields) } } : {}),
    responses: {
      ...successResponse(r),
      default: { description: 'A problem (RFC 9457) with a stable `code`', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
    },
  };
}

let built: object | undefined;

/** OpenAPI 3.1, from the same zod schemas the routes validate with. */
export function openApiDocument(): object {
  if (built) return built;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES) (paths[r.path.replace(/:(\w+)/g, '{$1}')] ??= {})[r.method] = operation(r);
  built = {
    openapi: '3.1.0',
    info: { title: 'Kindergarten queue', version: '1', description: 'Electronic queue for state kindergartens. Errors are application/problem+json.' },
    security: [{ session: [] }],
    paths,
    components: {
      securitySchemes: { session: { type: 'http', scheme: 'bearer', description: 'A token from POST /api/v1/auth/login' } },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'code'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            code: { type: 'string', enum: Object.keys(PROBLEMS) },
            detail: { type: 'string' },
            instance: { type: 'string' },
            field: { type: 'string' },
          },
        },
      },
    },
  };
  return built;
}
