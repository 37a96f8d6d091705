import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context, Middleware } from 'koa';
import { SANE_REQUEST_ID } from '../contracts/request-id';
import { maskIins, type Logger } from '../telemetry/log';
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

function lineOf(req: IncomingMessage, res: ServerResponse, { route, code, fault }: Outcome, durationMs: number) {
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

function levelOf(req: IncomingMessage, res: ServerResponse, outcome: Outcome, err?: Error) {
  if (err || outcome.fault !== undefined || res.statusCode >= 500) return 'error';
  if (res.statusCode >= 400) return 'warn';
  return PROBES.has(pathOf(req.url)) ? 'debug' : 'info';
}

/**
 * A request ID the API makes: a UUID, but never one whose last group is twelve digits (one in
 * about 280), which every log line would mask as an IIN (telemetry/log.ts) and so no longer show
 * the ID the client was given.
 */
export function freshRequestId(uuid: () => string = randomUUID): string {
  for (;;) {
    const id = uuid();
    if (maskIins(id) === id) return id;
  }
}

function requestIdFor(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : freshRequestId();
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
  // Not pino-http: besides the request's logger it made one bound to the whole request for every
  // request (its `req` serialized and redacted each time, 7 % of the API's CPU under look-ups)
  // that this log never writes.
  return async (ctx, next) => {
    const requestId = requestIdFor(ctx.req);
    const log = logger.child({ requestId });
    const started = Date.now();
    let outcome: Outcome = {};
    const { req, res } = ctx;
    const complete = (err?: Error) => {
      res.off('close', complete);
      res.off('finish', complete);
      res.off('error', complete);
      const durationMs = Date.now() - started;
      const level = levelOf(req, res, outcome, err);
      const message =
        level === 'error'
          ? `${req.method} ${pathOf(req.url)} ${res.statusCode} failed`
          : `${req.method} ${pathOf(req.url)} ${res.statusCode} in ${durationMs} ms${res.writableEnded ? '' : ' (aborted)'}`;
      log[level](lineOf(req, res, outcome, durationMs), message);
    };
    res.on('close', complete);
    res.on('finish', complete);
    res.on('error', complete);
    ctx.set('X-Request-Id', requestId);
    ctx.state.requestId = requestId;
    ctx.state.log = log;
    try {
      await runWithRequestId(requestId, next);
    } finally {
      const route = (ctx as { _matchedRoute?: unknown })._matchedRoute;
      outcome = { route: typeof route === 'string' ? route : undefined, code: problemCode(ctx), fault: ctx.state.fault };
    }
  };
}
