// The example backend: the one place that holds the Titan API key. It asks Titan for a widget
// session per page view and hands the browser only the `widgetUrl`. Plain `node:http`, so the
// examples run without an install; the Express version of `createWidgetSession` is in
// docs/embedding.md and is the same five lines.
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const EXAMPLES = fileURLToPath(new URL('..', import.meta.url));
const LOADER_DIST = fileURLToPath(new URL('../../packages/loader/dist/', import.meta.url));
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

/** `&<>"'` as entities: every value put into HTML goes through this. */
export const escapeHtml = (text) =>
  String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

/**
 * @param {{ titanUrl: string, apiKey: string, publicUrl: string, fetch?: typeof fetch }} options
 *   titanUrl: where Titan Connect runs; publicUrl: where this backend is seen by browsers (the
 *   one origin allowed to frame the widget).
 * @returns {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => Promise<void>}
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
    if (!response.ok) throw Object.assign(new Error(json.error ?? `Titan answered ${response.status}`), { status: response.status, code: json.code });
    const { session, widgetUrl, expiresAt } = json.data;
    return { session, widgetUrl, expiresAt }; // what the browser needs, and nothing else
  }

  const send = (res, status, type, body) => {
    res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
    res.end(body);
  };
  const sendJson = (res, status, value) => send(res, status, 'application/json', JSON.stringify(value));

  /** An example page with `{{NAME}}` placeholders filled, HTML-escaped. */
  const page = async (res, file, values) => {
    const template = await readFile(join(EXAMPLES, file), 'utf8');
    send(res, 200, TYPES['.html'], template.replace(/\{\{(\w+)\}\}/g, (_, name) => escapeHtml(values[name] ?? '')));
  };

  /** Query options every example page accepts: `?mode=qr&name=shop-42&callback=1`. */
  const sessionOptions = (url) => ({
    mode: url.searchParams.get('mode') ?? undefined,
    sessionName: url.searchParams.get('name') ?? undefined,
    callback: url.searchParams.get('callback') === '1',
  });

  const readJson = async (req) => {
    let text = '';
    for await (const chunk of req) {
      text += chunk;
      if (text.length > 10_000) throw Object.assign(new Error('Body too large'), { status: 413 });
    }
    try {
      return text ? JSON.parse(text) : {};
    } catch {
      throw Object.assign(new Error('Body is not JSON'), { status: 400 });
    }
  };

  const routes = {
    'GET /': (res) =>
      page(res, 'backend/index.html', {}),
    // The no-code options render the widgetUrl into the page on the server, as a PHP or Rails
    // page would.
    'GET /script-tag/': async (res, url) => {
      const session = await createWidgetSession(sessionOptions(url));
      await page(res, 'script-tag/index.html', { WIDGET_URL: session.widgetUrl, LOADER_URL: new URL('/widget/loader.js', titanUrl).href, SESSION: session.session });
    },
    'GET /iframe/': async (res, url) => {
      const session = await createWidgetSession(sessionOptions(url));
      await page(res, 'iframe/index.html', { WIDGET_URL: session.widgetUrl, SESSION: session.session });
    },
    // The single-page app asks for its widget session with fetch.
    'GET /spa/': (res) => page(res, 'spa/index.html', {}),
    'GET /spa/app.js': async (res) => send(res, 200, TYPES['.js'], await readFile(join(EXAMPLES, 'spa/app.js'))),
    'POST /api/widget-session': async (res, url, req) => {
      const { mode, sessionName, callback } = await readJson(req);
      sendJson(res, 201, await createWidgetSession({ mode, sessionName, callback: callback === true }));
    },
    // Where `callbackUrl` leads once the number is linked.
    'GET /done': (res, url) =>
      page(res, 'backend/done.html', {
        SESSION: url.searchParams.get('session'),
        STATUS: url.searchParams.get('status'),
        METHOD: url.searchParams.get('method'),
      }),
  };

  return async function handle(req, res) {
    const url = new URL(req.url ?? '/', publicOrigin);
    try {
      const route = routes[`${req.method} ${url.pathname}`];
      if (route) return await route(res, url, req);
      // The npm package's build, as a bundler would ship it (the SPA's import map points here).
      const vendored = /^\/vendor\/titan-loader\/([\w.-]+\.js)$/.exec(url.pathname);
      if (req.method === 'GET' && vendored) return send(res, 200, TYPES['.js'], await readFile(join(LOADER_DIST, vendored[1])));
      sendJson(res, 404, { error: 'Not found' });
    } catch (error) {
      if (error.code === 'ENOENT') return sendJson(res, 404, { error: 'Not found (is the loader built? run `pnpm build`)' });
      // Titan's own refusals keep their status; Titan unreachable is a bad gateway.
      sendJson(res, error.status ?? 502, { error: error.message, code: error.code });
    }
  };
}
