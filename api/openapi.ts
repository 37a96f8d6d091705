import { z } from 'zod';
import { PROBLEMS } from './problems';
import { rateLimitDocs } from './rate-limit';
import type { AnyRoute, Media, SignedDocumentSpec } from './route';
import { ROUTES } from './routes';
import { SAFE_TEXT_PATTERN } from './schemas/common';
import { signedBodySchema } from './signed-action';
import { DOCUMENT_NS, documentXml } from './signature/xml';

type JsonSchema = Record<string, any>;

/** A request schema as JSON Schema: what the route accepts, so every string is safe text. */
const requestSchema = (schema: z.ZodType) => withSafeText(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' })) as JsonSchema;
/** An answer's schema as JSON Schema: what the route sends. */
const answerSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as JsonSchema;

/** The signed document of an action, filled with an example, before signing. */
export function signedDocumentExample(doc: SignedDocumentSpec): string {
  return documentXml(doc.action, {
    ...(doc.namesApplication ? { applicationNumber: '75.UO.2026.000001.1' } : {}),
    ...doc.example,
    nonce: '9f2c4e0a7b1d3f56',
    signedAt: '2026-11-24T09:00:00Z',
  });
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

const DESCRIPTIONS = { 200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'Done, nothing to return' } as const;

/** Koa names the charset of the text it sends. */
const contentType = (media: Media) => (media === 'application/json' || media.startsWith('text/') ? `${media}; charset=utf-8` : media);

function successResponse(r: AnyRoute) {
  const { status, schema, headers, links } = r.ok;
  const description = DESCRIPTIONS[status];
  const out: JsonSchema = { description };
  if (status !== 204 && schema) {
    const medias: readonly Media[] = r.ok.media === undefined ? ['application/json'] : typeof r.ok.media === 'string' ? [r.ok.media] : r.ok.media;
    const body = answerSchema(schema);
    out.content = Object.fromEntries(medias.map((m) => [contentType(m), { schema: m.startsWith('image/') ? { type: 'string', contentMediaType: m } : body }]));
  }
  if (headers) out.headers = Object.fromEntries(Object.entries(headers).map(([name, h]) => [name, { description: h.description, schema: answerSchema(h.schema) }]));
  if (r.limit) out.headers = { ...out.headers, ...rateLimitDocs(r.limit).headers };
  if (links) out.links = links;
  return { [status]: out };
}

/** The path parameters in path order, each with the bounds the route validates. */
function pathParameters(r: AnyRoute) {
  const properties = (r.params ? requestSchema(r.params).properties : {}) as Record<string, object>;
  return [...r.path.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1]!, in: 'path', required: true, schema: properties[m[1]!] }));
}

function queryParameters(r: AnyRoute) {
  if (!r.query) return [];
  const schema = requestSchema(r.query);
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries((schema.properties ?? {}) as Record<string, object>).map(([name, s]) => ({ name, in: 'query', required: required.has(name), schema: s }));
}

function requestBody(r: AnyRoute) {
  if (r.signed) {
    return {
      required: true,
      description:
        `Signed with the person's signing key (R1.2): an XML document \`<${r.signed.action} xmlns="${DOCUMENT_NS}">\` ` +
        `holding ${r.signed.namesApplication ? 'applicationNumber, ' : ''}the fields below, a nonce (16–128 of [A-Za-z0-9_-], used once) and signedAt (ISO instant), ` +
        `with one enveloped XMLDSig signature. Example before signing:\n\n    ${signedDocumentExample(r.signed)}`,
      content: { 'application/json': { schema: requestSchema(signedBodySchema) } },
    };
  }
  if (r.upload) {
    const { field, media, maxBytes, description } = r.upload;
    return {
      required: true,
      // The accepted types are judged by the file's content, never by a part's declared type, so they
      // are said in words rather than as the part's `encoding` (which clients would then have to send).
      description: `${description} Accepted by content: ${media.join(', ')}.`,
      content: {
        'multipart/form-data': {
          schema: { type: 'object', required: [field], properties: { [field]: { type: 'string', contentMediaType: 'application/octet-stream', maxLength: maxBytes } } },
        },
      },
    };
  }
  return r.body ? { required: true, content: { 'application/json': { schema: requestSchema(r.body) } } } : undefined;
}

function operation(r: AnyRoute) {
  const headers = (r.headers ?? []).map((h) => ({ name: h.name, in: 'header', required: false, description: h.description, schema: requestSchema(h.schema) }));
  const body = requestBody(r);
  return {
    operationId: r.operationId,
    summary: r.summary,
    ...(r.deprecated ? { deprecated: true } : {}),
    description: `Role: ${r.role}.`,
    ...(r.role === 'anyone' ? { security: [] } : {}),
    'x-role': r.role,
    parameters: [...pathParameters(r), ...queryParameters(r), ...headers],
    ...(body ? { requestBody: body } : {}),
    ...(r.signed ? { 'x-signed-document': { rootElement: r.signed.action, namespace: DOCUMENT_NS, fields: requestSchema(r.signed.fields) } } : {}),
    responses: {
      ...successResponse(r),
      ...(r.limit ? { 429: rateLimitDocs(r.limit).tooMany } : {}),
      default: { description: 'A problem (RFC 9457) with a stable `code`', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
    },
  };
}

/** The path as OpenAPI spells it. */
export const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

let built: object | undefined;

/** OpenAPI 3.1, from the route table: the same zod schemas the routes validate with and answer by. */
export function openApiDocument(): object {
  if (built) return built;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES) (paths[openApiPath(r.path)] ??= {})[r.method] = operation(r);
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
