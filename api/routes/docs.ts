import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Context } from 'koa';
import { z } from 'zod';
import { Problem } from '../problems';
import { route, type AnyRoute, type Media } from '../route';
import { openApiAnswer, text } from '../schemas/responses';

/**
 * The page's Content-Security-Policy: scripts, styles and images from this origin only, nothing
 * inline (the page's init script is /docs/init.js). `data:` images: swagger-ui.css draws a few
 * icons as data: URLs. Swagger UI (React) sets element styles through the DOM (`el.style`), which
 * style-src does not govern, so no 'unsafe-inline'. Checked in Chromium: no violation (the one
 * inline <style> of swagger-ui-dist, in the StandaloneLayout's logo, is why init.js uses
 * BaseLayout). Its requests ("Try it out") go to this origin; no frame may embed the page.
 */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The only files of swagger-ui-dist served, with their media types: no other name is ever read.
 * No swagger-ui-standalone-preset.js: the page uses BaseLayout (see api/docs/init.js).
 */
const ASSETS: Record<string, Media> = {
  'swagger-ui.css': 'text/css',
  'swagger-ui-bundle.js': 'text/javascript',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};
const ASSET_NAMES = Object.keys(ASSETS);

/**
 * The package's files keep their names from one swagger-ui-dist version to the next: a browser
 * keeps them a day, so an upgrade shows within a day. Our page and init script: asked again on
 * every visit (small), so a deploy shows at once.
 */
const ASSET_CACHE = 'public, max-age=86400';
const PAGE_CACHE = 'no-cache';

/**
 * Our page and init script are plain files in api/docs/, beside api/routes/: found there under tsx
 * from the source, and in dist/api/docs/ after `npm run build`, which copies them (tsc copies no
 * .html or .js). Read once, when this module loads, so a missing file stops the API at start.
 */
function readPageFile(name: string): string {
  const file = path.join(__dirname, '..', 'docs', name);
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`the /docs page needs ${file} (npm run build copies api/docs/ into dist/api/docs/)`, { cause: err });
  }
}

const PAGE = readPageFile('index.html');
const INIT = readPageFile('init.js');
const SWAGGER_UI_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));
const ASSET_FILES = new Map(ASSET_NAMES.map((name) => [name, readFileSync(path.join(SWAGGER_UI_DIR, name))]));

function staticHeaders(ctx: Context, cacheControl: string): void {
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Cache-Control', cacheControl);
}

const file = z.instanceof(Buffer).meta({ type: 'string', description: 'The file as swagger-ui-dist ships it' });

/** The OpenAPI document, and Swagger UI showing it, served from the swagger-ui-dist package (offline). */
export const DOCS_ROUTES: AnyRoute[] = [
  route({
    operationId: 'getOpenApiDocument',
    method: 'get',
    path: '/api/v1/openapi.json',
    role: 'anyone',
    summary: 'This document',
    ok: { status: 200, schema: openApiAnswer },
    async handle() {
      // Imported when asked: api/openapi.ts reads the route table, which holds these routes.
      const { openApiDocument } = await import('../openapi');
      return openApiDocument() as { openapi: '3.1.0'; paths: Record<string, unknown> };
    },
  }),
  route({
    operationId: 'getDocsPage',
    method: 'get',
    path: '/docs',
    role: 'anyone',
    summary: 'This document as a page (Swagger UI)',
    ok: { status: 200, media: 'text/html', schema: text },
    async handle({ ctx }) {
      staticHeaders(ctx, PAGE_CACHE);
      ctx.set('Content-Security-Policy', CSP);
      return PAGE;
    },
  }),
  route({
    operationId: 'getDocsScript',
    method: 'get',
    path: '/docs/init.js',
    role: 'anyone',
    summary: "The docs page's script: starts Swagger UI on this document",
    ok: { status: 200, media: 'text/javascript', schema: text },
    async handle({ ctx }) {
      staticHeaders(ctx, PAGE_CACHE);
      return INIT;
    },
  }),
  route({
    operationId: 'getDocsAsset',
    method: 'get',
    path: '/docs/assets/:file',
    role: 'anyone',
    summary: 'A file of Swagger UI (swagger-ui-dist) the docs page loads',
    params: z.object({ file: z.string().max(100).describe(`One of ${ASSET_NAMES.join(', ')}; any other name answers 404`) }),
    ok: { status: 200, media: ['text/css', 'text/javascript', 'image/png'], schema: file },
    async handle({ ctx, params }) {
      // Looked up by name in the list: the parameter is never joined to a path.
      const body = Object.hasOwn(ASSETS, params.file) ? ASSET_FILES.get(params.file) : undefined;
      if (!body) throw new Problem('NOT_FOUND', `no file ${JSON.stringify(params.file)} among the docs page's assets`);
      staticHeaders(ctx, ASSET_CACHE);
      ctx.type = ASSETS[params.file]!;
      return body;
    },
  }),
];
