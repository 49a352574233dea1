// The demo served at `/` when `config.demo` (on by default in `pnpm start`): a page that plays a
// customer's site, and `POST /demo/session`, which plays that customer's backend. The backend
// part runs here on the server as tenant `default`, exactly where a real app keeps its API key,
// so no credential ever reaches the browser. Production turns it off with TITAN_DEMO=0.
import { Router } from 'express';
import { z } from 'zod';
import { WIDGET_MODES, WIDGET_PATHS } from '@titan-connect/protocol';
import type { AppDeps } from '../deps.js';
import { jsonBody } from '../middleware/body.js';
import { parseBody } from '../middleware/parse-body.js';
import { createWidgetSession } from './widget-sessions.js';

export const DEMO_TENANT = 'default';

/** The demo page sends only the mode it offers in its select. */
const DemoSessionBody = z.strictObject({ mode: z.enum(WIDGET_MODES, { error: `must be one of ${WIDGET_MODES.join(', ')}` }).optional() });

const DEMO_CSP =
  "default-src 'self'; script-src 'self'; connect-src 'self'; frame-src 'self'; img-src 'self' data:; " +
  "style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const hasVirtualPhone = (deps: AppDeps): boolean => deps.engine.virtualPhone !== null;

function demoPage(deps: AppDeps): string {
  const phone = hasVirtualPhone(deps)
    ? `<section class="phone" aria-labelledby="phone-title">
  <h2 id="phone-title">Virtual phone (${deps.config.engine} engine)</h2>
  <p>Plays the user's phone, so the whole flow runs offline.</p>
  <button type="button" id="scan" disabled>Scan the QR code</button>
  <form id="enter-code"><label>Pairing code <input name="code" autocomplete="off" placeholder="ABCD-1234"></label>
  <button type="submit" disabled>Enter code</button></form>
  <p id="phone-status" role="status"></p>
</section>`
    : '';
  const modes = WIDGET_MODES.map((m) => `<option value="${m}">${m}</option>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Titan Connect demo</title>
<link rel="icon" href="data:,">
<style>
body{font-family:system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1f1f1f}
main{display:grid;grid-template-columns:minmax(0,1fr) 18rem;gap:2rem}
#widget{min-height:200px;border:1px dashed #bbb;border-radius:12px;padding:.5rem}
#widget iframe{width:100%;border:0;min-height:520px}
.phone{border:1px solid #ddd;border-radius:16px;padding:1rem;background:#fafafa}
button{font:inherit;padding:.4rem .8rem}
@media (max-width:720px){main{grid-template-columns:1fr}}
</style>
<script src="${WIDGET_PATHS.loader}"></script>
<script type="module" src="/demo/demo.js"></script>
</head>
<body>
<h1>Titan Connect demo</h1>
<p>This page is the "customer site". Its backend (<code>POST /demo/session</code>, on this server) creates a widget
session with the API key it keeps, and the page embeds the returned <code>widgetUrl</code>.</p>
<form id="create"><label>Mode <select name="mode">${modes}</select></label>
<button type="submit">Connect WhatsApp</button></form>
<p id="session" role="status"></p>
<main>
<div id="widget"></div>
${phone}
</main>
</body>
</html>
`;
}

/** The demo's browser code: small enough to read in one go. */
const DEMO_JS = `
const $ = (s) => document.querySelector(s);
let widgetUrl = null;
let handle = null;

$('#create').addEventListener('submit', async (e) => {
  e.preventDefault();
  const mode = new FormData(e.target).get('mode');
  const res = await fetch('/demo/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ mode }) });
  const body = await res.json();
  if (!res.ok) { $('#session').textContent = body.error; return; }
  widgetUrl = body.widgetUrl;
  $('#session').textContent = 'Widget session for "' + body.session + '" (expires ' + new Date(body.expiresAt).toLocaleTimeString() + ')';
  handle?.destroy?.();
  const target = $('#widget');
  if (window.TitanWidget?.mount) {
    handle = window.TitanWidget.mount(target, { widgetUrl, onConnected: () => { $('#session').textContent += ': connected'; } });
  } else {
    // The loader has not been built yet: a plain iframe shows the same page.
    target.replaceChildren(Object.assign(document.createElement('iframe'), { src: widgetUrl, title: 'Connect WhatsApp' }));
  }
  for (const b of document.querySelectorAll('.phone button')) b.disabled = false;
});

const phoneStatus = (text) => { const el = $('#phone-status'); if (el) el.textContent = text; };
const post = async (path, body) => {
  const res = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const json = await res.json().catch(() => ({}));
  phoneStatus(res.ok ? 'Linked.' : (json.error || 'Failed (' + res.status + ')'));
};

$('#scan')?.addEventListener('click', async () => {
  if (!widgetUrl) return;
  const token = new URL(widgetUrl).searchParams.get('token');
  const res = await fetch('/widget/api/state', { headers: { Authorization: 'Bearer ' + token } });
  const body = await res.json();
  const state = body.data ?? body;
  if (!state.qr) { phoneStatus('No QR code on screen right now.'); return; }
  await post('/dev/simulator/scan', { qr: state.qr.qr });
});

$('#enter-code')?.addEventListener('submit', async (e) => {
  e.preventDefault();
  await post('/dev/simulator/enter-code', { code: new FormData(e.target).get('code') });
});
`;

/** Mounted only when `config.demo`. */
export function demoRouter(deps: AppDeps): Router {
  const router = Router();
  router.get('/', (_req, res) => {
    res.set({ 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Security-Policy': DEMO_CSP }).send(demoPage(deps));
  });
  router.get('/demo/demo.js', (_req, res) => {
    res.set({ 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-store' }).send(DEMO_JS);
  });
  router.post('/demo/session', jsonBody(), parseBody(DemoSessionBody), async (req, res) => {
    const { mode } = req.body;
    // Cloud API needs a Meta app; the demo falls back to "all" rather than failing without one.
    const wanted = mode === 'cloud-api' && !deps.config.meta.appId ? 'all' : mode;
    const { response } = await createWidgetSession(deps, DEMO_TENANT, wanted ? { mode: wanted } : {});
    res.status(201).json(response.data);
  });
  return router;
}
