import Router from '@koa/router';
import type { Context } from 'koa';
import type { z } from 'zod';
import type { Db } from '../db/connection';
import type { Session } from '../db/sessions';
import { requireApplicant, requireSession } from './session';
import type { AppDeps } from './app';
import type { LimitPolicy } from './rate-limit';
import { performSignedAction, type SignedAction } from './signed-action';
import { requireStaff, type StaffMember, type StaffRole } from './staff';
import { validate, type FieldCodes } from './validate';

/**
 * One route, declared once: what it is (method, path, role), what it takes (path, query, body,
 * headers, the signed document), what it answers (status, media, schema, links) and what it does.
 * The router (`routerOf`) and the OpenAPI document (api/openapi.ts) are both derived from these.
 */

export type Role = 'anyone' | 'logged in' | 'applicant' | StaffRole;

/** Who the route acts for, once its role is checked. */
export type Caller<R extends Role> = R extends 'anyone' ? undefined : R extends 'logged in' | 'applicant' ? Session : StaffMember;

export type Media = 'application/json' | 'text/html' | 'application/xml' | 'text/javascript' | 'text/css' | 'image/png' | 'image/jpeg' | 'application/pdf';

/** A signed action (R1.2): its document's root element and its fields besides the envelope. */
export interface SignedDocumentSpec<F extends z.ZodType = z.ZodType> {
  action: string;
  fields: F;
  fieldCodes?: FieldCodes;
  /** Whether the document names the application it acts on (every action but filing). */
  namesApplication: boolean;
  example: Record<string, unknown>;
}

/** An OpenAPI link: where a value of this answer is another operation's input. */
export interface RouteLink {
  operationId: string;
  /** Parameter name → runtime expression, e.g. `$response.body#/number`. */
  parameters: Record<string, string>;
  description: string;
}

export interface Success<O extends z.ZodType | undefined> {
  status: 200 | 201 | 202 | 204;
  /** One media type, set by the router; several, set by the handler (static files). Default JSON. */
  media?: Media | readonly Media[];
  /** The answer's schema; none for 204. Checked against every answer in the API tests. */
  schema: O;
  /** Response headers the route sets. */
  headers?: Record<string, { description: string; schema: z.ZodType }>;
  links?: Record<string, RouteLink>;
}

/** A multipart/form-data body of one file, as the OpenAPI document describes it. */
export interface UploadSpec {
  /** The form field that carries the file. */
  field: string;
  /** The media types accepted, judged by content. */
  media: readonly string[];
  maxBytes: number;
  description: string;
}

export interface HeaderSpec {
  name: string;
  schema: z.ZodType;
  description: string;
}


export interface RouteInput<P, Q, B, R extends Role, F> {
  ctx: Context;
  params: P;
  query: Q;
  body: B;
  caller: Caller<R>;
  /** R1.2: verifies the route's signed document, keeps it as evidence, then performs the action. */
  signed<T>(perform: (doc: SignedAction<F>) => Promise<T>, applicationNumber?: string): Promise<T>;
}

type Infer<S> = S extends z.ZodType ? z.output<S> : undefined;
type Answer<O> = O extends z.ZodType ? z.input<O> : void;

export interface RouteSpec<
  R extends Role = Role,
  P extends z.ZodType | undefined = z.ZodType | undefined,
  Q extends z.ZodType | undefined = z.ZodType | undefined,
  B extends z.ZodType | undefined = z.ZodType | undefined,
  F extends z.ZodType = z.ZodType,
  O extends z.ZodType | undefined = z.ZodType | undefined,
> {
  /** Unique; a verb of the domain. */
  operationId: string;
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** As the router spells it, `:param` and all; every `:param` is in `params`. */
  path: string;
  role: R;
  summary: string;
  /** Still served, on its way out: the document marks it so clients move off it. */
  deprecated?: boolean;
  /** The rate limit per client address the route counts against (api/rate-limit.ts); none for logged-in routes. */
  limit?: LimitPolicy;
  params?: P;
  query?: Q;
  body?: B;
  bodyFieldCodes?: FieldCodes;
  /** Request headers the route reads besides Authorization. */
  headers?: HeaderSpec[];
  signed?: SignedDocumentSpec<F>;
  /**
   * The body is one file, multipart/form-data, which the handler streams itself (api/uploads.ts):
   * the JSON body middleware lets it through untouched.
   */
  upload?: UploadSpec;
  ok: Success<O>;
  handle(input: RouteInput<Infer<P>, Infer<Q>, Infer<B>, R, z.output<F>>, deps: AppDeps): Promise<Answer<O>>;
}

/** A route of any shape, as lists hold them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute = RouteSpec<any, any, any, any, any, any>;

/** Declares a route, inferring its handler's types from its schemas. */
export function route<
  R extends Role,
  O extends z.ZodType | undefined,
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  F extends z.ZodType = z.ZodType,
>(spec: RouteSpec<R, P, Q, B, F, O>): NoInfer<RouteSpec<R, P, Q, B, F, O>> {
  const declared = [...spec.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  const shape = (spec.params as unknown as { shape?: Record<string, unknown> } | undefined)?.shape ?? {};
  const missing = declared.filter((name) => !(name in shape));
  if (missing.length) throw new Error(`${spec.operationId}: path parameters ${missing.join(', ')} have no schema`);
  return spec;
}

/** Checks the role a route states; the caller it acts for. */
async function identify(role: Role, ctx: Context, db: Db): Promise<Session | StaffMember | undefined> {
  switch (role) {
    case 'anyone':
      return undefined;
    case 'logged in':
      // R1.3: the account routes are open before the first-login e-mail is given.
      return requireSession(ctx, { emailOptional: true });
    case 'applicant':
      return requireApplicant(ctx);
    default:
      return requireStaff(ctx, db, role);
  }
}

/** Called with every answer a route gives, before it is sent: the API tests check it. */
export type AnswerCheck = (route: AnyRoute, status: number, body: unknown) => void;

async function serve(r: AnyRoute, ctx: Context, deps: AppDeps, check?: AnswerCheck): Promise<void> {
  const caller = await identify(r.role, ctx, deps.db);
  const params = r.params ? validate(r.params, ctx.params, {}, 'path') : undefined;
  const query = r.query ? validate(r.query, ctx.query, {}, 'query') : undefined;
  const body = r.body ? validate(r.body, ctx.request.body, r.bodyFieldCodes, 'body') : undefined;
  const signed = <T>(perform: (doc: SignedAction<unknown>) => Promise<T>, applicationNumber?: string) => {
    if (!r.signed) throw new Error(`${r.operationId} takes no signed document`);
    const spec = { action: r.signed.action, applicationNumber, params: r.signed.fields, fieldCodes: r.signed.fieldCodes };
    // The session, not the caller: staff sign too (R8.3), and a staff caller is their staff row.
    return performSignedAction(deps, ctx, ctx.state.session!, spec, perform);
  };
  const answer = await r.handle({ ctx, params, query, body, caller, signed }, deps);
  check?.(r, r.ok.status, answer);
  ctx.status = r.ok.status;
  if (r.ok.status === 204) return;
  ctx.body = answer;
  if (typeof r.ok.media === 'string') ctx.type = r.ok.media;
}

/** The router of a list of routes. */
export function routerOf(routes: readonly AnyRoute[], deps: AppDeps, check?: AnswerCheck): Router {
  const router = new Router();
  for (const r of routes) router[r.method](r.operationId, r.path, (ctx) => serve(r, ctx, deps, check));
  return router;
}
