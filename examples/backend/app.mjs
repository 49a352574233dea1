// The example backend: a tiny Express app, the one place that holds the Titan API key. It asks
// Titan for a widget session per page view and hands the browser only the `widgetUrl`.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';

const EXAMPLES = fileURLToPath(new URL('..', import.meta.url));
const LOADER_DIST = fileURLToPath(new URL('../../packages/loader/dist/', import.meta.url));

/** `&<>"'` as entities: every value put into HTML goes through this. */
export const escapeHtml = (text) =>
  String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

/** An error that keeps an HTTP status (Titan's refusals, bad bodies). */
const httpError = (status, message, code) => Object.assign(new Error(message), { status, code });

/**
 * @param {{ titanUrl: string, apiKey: string, publicUrl: string, fetch?: typeof fetch }} options
 *   titanUrl: where Titan Connect runs; publicUrl: where this backend is seen by browsers (the
 *   one origin allowed to frame the widget, and the origin of the callback page).
 * @returns {import('express').Express}
 */
export function createExampleBackend({ titanUrl, apiKey, publicUrl, fetch = globalThis.fetch }) {
  const publicOrigin = new URL(publicUrl).origin;

  /** `POST /api/widget/sessions` with the API key. Throws `{ status, code, message }` on refusal. */
  async function createWidgetSession({ mode, sessionName, callback }) {
    const body = { allowedOrigins: [publicOrigin] };
    if (mode) body.mode = mode;
    if (sessionName) body.sessionName = sessionName;
    if (callback) body.callbackUrl = `${publicOrigin}/done?from=example`;
    const response = await fetch(new URL('/api/widget/sessions', titanUrl), {
      method: 'POST',
      headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = await response.json().catch(() => ({}));
    if (!response.ok) throw httpError(response.status, json.error ?? `Titan answered ${response.status}`, json.code);
    const { session, widgetUrl, expiresAt } = json.data;
    return { session, widgetUrl, expiresAt }; // what the browser needs, and nothing else
  }

  /** An example page with `{{NAME}}` placeholders filled, HTML-escaped. */
  const page = async (res, file, values = {}) => {
    const template = await readFile(join(EXAMPLES, file), 'utf8');
    res.type('html').send(template.replace(/\{\{(\w+)\}\}/g, (_, name) => escapeHtml(values[name] ?? '')));
  };

  /** Query options every example page accepts: `?mode=qr&name=shop-42&callback=1`. */
  const sessionOptions = (query) => ({
    mode: typeof query.mode === 'string' ? query.mode : undefined,
    sessionName: typeof query.name === 'string' ? query.name : undefined,
    callback: query.callback === '1',
  });

  const app = express();
  app.disable('x-powered-by');
  // Pages carry a fresh widgetUrl each time: never cache them.
  app.use((req, res, next) => (res.set('Cache-Control', 'no-store'), next()));

  app.get('/', (req, res) => page(res, 'backend/index.html'));

  // The no-code options render the widgetUrl into the page on the server, as a PHP or Rails
  // page would.
  app.get('/script-tag/', async (req, res) => {
    const session = await createWidgetSession(sessionOptions(req.query));
    await page(res, 'script-tag/index.html', {
      WIDGET_URL: session.widgetUrl,
      LOADER_URL: new URL('/widget/loader.js', titanUrl).href,
      SESSION: session.session,
    });
  });
  app.get('/iframe/', async (req, res) => {
    const session = await createWidgetSession(sessionOptions(req.query));
    await page(res, 'iframe/index.html', { WIDGET_URL: session.widgetUrl, SESSION: session.session });
  });

  // The single-page app asks for its widget session with fetch.
  app.get('/spa/', (req, res) => page(res, 'spa/index.html'));
  app.get('/spa/app.js', (req, res) => res.sendFile('spa/app.js', { root: EXAMPLES }));
  app.post('/api/widget-session', express.json({ limit: '10kb' }), async (req, res) => {
    const { mode, sessionName, callback } = req.body ?? {};
    res.status(201).json(await createWidgetSession({ mode, sessionName, callback: callback === true }));
  });

  // The Vite examples' production builds (`vite build` in examples/react and examples/vue, built
  // with `base: '/react/'` and `'/vue/'`); they ask for sessions with the POST above.
  for (const name of ['react', 'vue']) app.use(`/${name}/`, express.static(join(EXAMPLES, name, 'dist')));

  // Where `callbackUrl` leads once the number is linked.
  app.get('/done', (req, res) =>
    page(res, 'backend/done.html', { SESSION: req.query.session, STATUS: req.query.status, METHOD: req.query.method }),
  );

  // The npm package's build, as a bundler would ship it (the SPA's import map points here).
  // `root` makes sendFile refuse anything outside the build folder.
  app.get('/vendor/titan-loader/:file', (req, res, next) => {
    if (!/^[\w-]+(\.[\w-]+)*\.js$/.test(req.params.file)) return next();
    res.type('js').sendFile(req.params.file, { root: LOADER_DIST }, (error) => {
      if (error) next(error.status === 404 ? httpError(404, 'Not found (is the loader built? run `pnpm build`)') : error);
    });
  });

  app.use((req, res) => res.status(404).json({ error: 'Not found' }));

  // Titan's own refusals keep their status; bad bodies are 400/413; Titan unreachable is a bad
  // gateway. The API key is never part of any message.
  app.use((error, req, res, next) => {
    if (error.type === 'entity.parse.failed') error = httpError(400, 'Body is not JSON');
    else if (error.type === 'entity.too.large') error = httpError(413, 'Body too large');
    res.status(error.status ?? 502).json({ error: error.message, code: error.code });
  });

  return app;
}
