// The API's own description: `GET /api/openapi.json` (OpenAPI 3.1, built from the zod schemas)
// and `GET /api/docs`, a Swagger UI page over it. Public, like any API reference: the document
// holds no secret, and the UI's scripts load only on that page.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import express, { Router } from 'express';
import type { AppDeps } from '../deps.js';
import { openApiDocument } from '../openapi.js';

const SWAGGER_UI_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

// Swagger UI sets inline styles; everything else comes from this origin.
const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Titan Connect API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script>
</body>
</html>
`;

const DOCS_INIT = `window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#swagger-ui', deepLinking: true });\n`;

/** Mounted before API key auth. */
export function apiDocsRouter(deps: Pick<AppDeps, 'config'>): Router {
  const router = Router();
  // Built once: the document depends only on the code and PUBLIC_URL.
  const document = JSON.stringify(openApiDocument(deps.config.publicUrl));
  router.get('/api/openapi.json', (_req, res) => {
    res.set({ 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'public, max-age=300' }).send(document);
  });
  router.get('/api/docs', (_req, res) => {
    res.set({ 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': DOCS_CSP, 'Cache-Control': 'no-cache' }).send(DOCS_PAGE);
  });
  router.get('/api/docs/init.js', (_req, res) => {
    res.set({ 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-cache' }).send(DOCS_INIT);
  });
  router.use('/api/docs/assets', express.static(SWAGGER_UI_DIR, { index: false, maxAge: '1h', setHeaders: (res) => res.set('Content-Security-Policy', DOCS_CSP) }));
  return router;
}
