import Router from '@koa/router';
import { openApiDocument, ROUTES, signedDocumentExample } from '../openapi';
import { escapeXml } from '../signature/xml';

/** The OpenAPI document, and a page a person can read. Role: anyone. */
export function docsRoutes(): Router {
  const router = new Router();
  router.get('/api/v1/openapi.json', (ctx) => {
    ctx.body = openApiDocument();
  });
  router.get('/docs', (ctx) => {
    const rows = ROUTES.map(
      (r) =>
        `<tr><td><code>${r.method.toUpperCase()} ${escapeXml(r.path)}</code></td><td>${r.role}</td><td>${escapeXml(r.summary)}` +
        (r.signed ? `<pre>${escapeXml(signedDocumentExample(r.signed))}</pre>` : '') +
        '</td></tr>',
    ).join('\n');
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Kindergarten queue API</title>
<style>body{font-family:sans-serif;margin:2rem}td{vertical-align:top;padding:.3rem .6rem;border-bottom:1px solid #ddd}pre{white-space:pre-wrap;font-size:.85em}</style>
<h1>Kindergarten queue API</h1><p>Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>. Signed actions take
<code>{"signedXml": "…"}</code>: the document shown, with one enveloped XMLDSig signature by the logged-in person's signing key.</p>
<table><tr><th>route</th><th>role</th><th>what</th></tr>
${rows}</table></html>`;
  });
  return router;
}
