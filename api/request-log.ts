import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context, Middleware } from 'koa';
import { pinoHttp } from 'pino-http';
import { SANE_REQUEST_ID } from '../contracts/request-id';
import type { Logger } from '../telemetry/log';
import { runWithRequestId } from '../telemetry/request-id';

declare module 'koa' {
  interface DefaultState {
    /** The request's ID: the caller's X-Request-Id when sane, else a fresh UUID; echoed in the answer. */
    requestId?: string;
    /** The API's logger with the request's ID on every line. */
    log?: Logger;
    /** What went wrong in a request answered INTERNAL (api/problems.ts): logged here, stack and all, never sent. */
    fault?: unknown;
  }
}

/** What the request's line says beyond the method, URL and status, known once the app has answered. */
interface Outcome {
  route?: string;
  code?: string;
  fault?: unknown;
}

const outcomes = new WeakMap<IncomingMessage, Outcome>();

/** Probes ask every few seconds: at debug while they answer well. */
const PROBES = new Set(['/livez', '/readyz', '/healthz']);

const SECRET_PARAM = /token|secret|password|signature|key|auth/i;

/** The URL as logged: a query parameter that could hold a credential keeps its name, not its value. */
export function loggableUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  for (const name of new Set(params.keys())) if (SECRET_PARAM.test(name)) params.set(name, 'redacted');
  return `${url.slice(0, q)}?${params}`;
}

const pathOf = (url = ''): string => url.split('?', 1)[0]!;

function lineOf(req: IncomingMessage, res: ServerResponse, durationMs: number) {
  const { route, code, fault } = outcomes.get(req) ?? {};
  return {
    method: req.method,
    url: loggableUrl(req.url ?? ''),
    ...(route ? { route } : {}),
    status: res.statusCode,
    durationMs,
    ...(code ? { code } : {}),
    ...(fault !== undefined ? { err: fault } : {}),
  };
}

function levelOf(req: IncomingMessage, res: ServerResponse, err?: Error) {
  if (err || outcomes.get(req)?.fault !== undefined || res.statusCode >= 500) return 'error';
  if (res.statusCode >= 400) return 'warn';
  return PROBES.has(pathOf(req.url)) ? 'debug' : 'info';
}

function requestIdFor(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
}

/** The problem `code` of an answer that is a problem. */
function problemCode(ctx: Context): string | undefined {
  const body = ctx.body as { code?: unknown } | undefined;
  return ctx.response.is('application/problem+json') && typeof body?.code === 'string' ? body.code : undefined;
}

/**
 * The API's outermost middleware: names the request (X-Request-Id in, the same out), gives the
 * handlers `ctx.state.log`, hands the ID to whatever the request sends Temporal
 * (telemetry/request-id.ts), and writes one line when the answer has gone: method, URL, route
 * pattern, status, duration, request ID, and a problem's `code` (4xx at warn, 5xx at error with the
 * stack of a fault). Never a header or a body.
 */
export function requestLog(logger: Logger): Middleware {
  const http = pinoHttp({
    logger,
    genReqId: requestIdFor,
    // The line is ours (lineOf): neither pino-http's `req` (every header) nor its `res`.
    quietReqLogger: true,
    quietResLogger: true,
    customAttributeKeys: { reqId: 'requestId' },
    customLogLevel: levelOf,
    customSuccessObject: (req, res, { responseTime }) => lineOf(req, res, responseTime),
    customErrorObject: (req, res, _err, { responseTime }) => lineOf(req, res, responseTime),
    customSuccessMessage: (req, res, ms) => `${req.method} ${pathOf(req.url)} ${res.statusCode} in ${ms} ms${res.writableEnded ? '' : ' (aborted)'}`,
    customErrorMessage: (req, res) => `${req.method} ${pathOf(req.url)} ${res.statusCode} failed`,
  });
  return async (ctx, next) => {
    http(ctx.req, ctx.res);
    const requestId = String(ctx.req.id);
    ctx.set('X-Request-Id', requestId);
    ctx.state.requestId = requestId;
    ctx.state.log = ctx.req.log;
    try {
      await runWithRequestId(requestId, next);
    } finally {
      const route = (ctx as { _matchedRoute?: unknown })._matchedRoute;
      outcomes.set(ctx.req, { route: typeof route === 'string' ? route : undefined, code: problemCode(ctx), fault: ctx.state.fault });
    }
  };
}
