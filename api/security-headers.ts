import cors from '@koa/cors';
import helmet from 'helmet';
import type { Context, Middleware, Next } from 'koa';
import type { AnyRoute } from './route';

/**
 * helmet's headers for an API: its answers are JSON read by code, never a page, so the CSP allows
 * nothing to load and no frame to embed them, and X-Frame-Options says the same to older browsers.
 * The rest are helmet's defaults (nosniff, HSTS, no referrer, same-origin CORP and COOP, …). A
 * route that serves a page sets its own CSP after this runs and so replaces it (/docs,
 * api/routes/docs.ts).
 */
const apiHelmet = helmet({
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  xFrameOptions: { action: 'deny' },
});

/** helmet is Express middleware; Koa hands it the raw request and response it writes headers to. */
async function helmetHeaders(ctx: Context, next: Next): Promise<void> {
  await new Promise<void>((resolve, reject) => apiHelmet(ctx.req, ctx.res, (err?: unknown) => (err ? reject(err) : resolve())));
  await next();
}

/** Headers a browser script may read from an answer besides the CORS-safelisted ones. */
const EXPOSED = ['RateLimit', 'RateLimit-Policy', 'Retry-After', 'X-Request-Id', 'Location', 'Link', 'ETag', 'Content-Disposition'];

/** CORS_ORIGINS as origins (`https://portal.example.kz`); anything else stops the process at start. */
export function corsOrigins(entries: readonly string[]): Set<string> {
  return new Set(
    entries.map((entry) => {
      const url = URL.canParse(entry) ? new URL(entry) : undefined;
      const bare = url && url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password;
      if (!url || !bare || !['http:', 'https:'].includes(url.protocol)) {
        throw new Error(`CORS_ORIGINS: ${JSON.stringify(entry)} is not an origin (scheme://host[:port], no path)`);
      }
      return url.origin;
    }),
  );
}

/**
 * CORS for the listed origins only: any other origin gets no Access-Control-Allow-Origin, so its
 * pages cannot read an answer. No credentials: the API's session is a Bearer token a script sends,
 * never a cookie. A preflight may ask for the headers the routes read.
 */
function corsFor(origins: readonly string[], routes: readonly AnyRoute[]): Middleware {
  const allowed = corsOrigins(origins);
  const requestHeaders = new Set(['Authorization', 'Content-Type', 'X-Request-Id', ...routes.flatMap((r) => (r.headers ?? []).map((h) => h.name))]);
  return cors({
    origin: (ctx: Context) => (allowed.has(ctx.get('Origin')) ? ctx.get('Origin') : ''),
    allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowHeaders: [...requestHeaders],
    exposeHeaders: EXPOSED,
    maxAge: 600,
  });
}

/** The outermost of the API's own middleware: every answer, problems included, carries these. */
export function securityHeaders(settings: { corsOrigins?: readonly string[]; routes: readonly AnyRoute[] }): Middleware[] {
  return [helmetHeaders, corsFor(settings.corsOrigins ?? [], settings.routes)];
}
