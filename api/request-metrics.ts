import type { Context, Middleware } from 'koa';
import { Counter, Histogram, type Registry } from 'prom-client';

const LABELS = ['method', 'route', 'status'] as const;

// From a cached look-up (a few ms) to a signed filing under load (1–2 s) and a slow dependency.
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The route as the router declares it (`/api/v1/applications/:number`), never the URL a client sent:
 * one series per route whatever the numbers in paths, and none for each path a scanner tries.
 */
function routeOf(ctx: Context): string {
  const matched = (ctx as Context & { _matchedRoute?: string | RegExp })._matchedRoute;
  return matched === undefined ? 'unmatched' : String(matched);
}

/**
 * Counts every request and times it to the handler's end, by method, route and the status sent (a
 * problem's too: this sits outside problemMiddleware).
 */
export function requestMetrics(registry: Registry): Middleware {
  const requests = new Counter({ name: 'kq_http_requests_total', help: 'API requests answered, by method, route pattern and status', labelNames: LABELS, registers: [registry] });
  const duration = new Histogram({
    name: 'kq_http_request_duration_seconds',
    help: 'API request latency to the handler\'s end, by method, route pattern and status',
    labelNames: LABELS,
    buckets: BUCKETS,
    registers: [registry],
  });
  return async (ctx, next) => {
    const end = duration.startTimer();
    let status: number | undefined;
    try {
      await next();
    } catch (err) {
      status = (err as { status?: number }).status ?? 500;
      throw err;
    } finally {
      const labels = { method: ctx.method, route: routeOf(ctx), status: String(status ?? ctx.status) };
      requests.inc(labels);
      end(labels);
    }
  };
}
