import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import type { Middleware } from 'koa';
import { withoutIins } from '../telemetry/tracing';

/**
 * One SERVER span per request, continuing the caller's trace (`traceparent`) and active for the
 * rest of the chain, so the Temporal client's spans (StartWorkflow, StartWorkflowUpdate, …) are its
 * children. It keeps the method, the route pattern, the path (no query string, any IIN-shaped
 * segment masked) and the status; never a header, a body or a token. Installed only when the API
 * traces (api/app.ts).
 */
export function requestTrace(tracer: Tracer): Middleware {
  return async (ctx, next) => {
    const parent = propagation.extract(ROOT_CONTEXT, ctx.headers);
    const span = tracer.startSpan(
      ctx.method,
      { kind: SpanKind.SERVER, attributes: { [ATTR_HTTP_REQUEST_METHOD]: ctx.method, [ATTR_URL_PATH]: withoutIins(ctx.path) } },
      parent,
    );
    // An error that escapes every later middleware is answered by Koa after this one returns: with
    // its own status if it has one, else 500.
    let status: number | undefined;
    try {
      await context.with(trace.setSpan(parent, span), next);
    } catch (err) {
      const own = (err as { status?: unknown }).status;
      status = typeof own === 'number' ? own : 500;
      throw err;
    } finally {
      status ??= ctx.status;
      // Set by @koa/router once a route matched: the pattern, not the path with its values.
      const route = (ctx as { _matchedRoute?: unknown })._matchedRoute;
      if (typeof route === 'string') {
        span.updateName(`${ctx.method} ${route}`);
        span.setAttribute(ATTR_HTTP_ROUTE, route);
      }
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
  };
}
