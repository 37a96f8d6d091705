// Starts Swagger UI on /docs (api/routes/docs.ts). A file of its own, not an inline script, so the
// page's Content-Security-Policy can keep script-src 'self'.
'use strict';
window.ui = SwaggerUIBundle({
  url: '/api/v1/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  // BaseLayout, not StandaloneLayout: the standalone top bar (a box to load any other URL) has no
  // use here, and its Swagger logo carries an inline <style> that style-src 'self' refuses.
  layout: 'BaseLayout',
  // No badge fetched from validator.swagger.io: the page stays offline and within img-src 'self'.
  validatorUrl: null,
});
