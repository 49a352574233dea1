// Who gets the phone number (issue 14): the widget page posts it only to a parent origin it has
// verified, from the loader's `hello`, against the session's allowedOrigins. Real browser, real
// cross-origin frames: the host page on the backend's origin, the widget on Titan's.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { API_KEY, hostMessagesAfterConnect, scanQrShown, startE2e, type E2e } from './harness.ts';

let e2e: E2e;
before(async () => {
  e2e = await startE2e({ engine: 'simulator' });
});
after(() => e2e?.close());
afterEach(async () => assert.deepEqual(await e2e.closePages(), [], 'no uncaught script errors in the pages'));

/** A widget session straight from Titan's API, with these allowedOrigins. */
async function widgetUrlFor(allowedOrigins: string[]): Promise<string> {
  const response = await fetch(new URL('/api/widget/sessions', e2e.titanUrl), {
    method: 'POST',
    headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ mode: 'qr', allowedOrigins }),
  });
  assert.equal(response.status, 201);
  return ((await response.json()) as { data: { widgetUrl: string } }).data.widgetUrl;
}

// [name, allowedOrigins (HOST stands for the host page's origin), phone expected in `connected`]
const HOST = 'host';
const CASES: [string, string[], boolean][] = [
  // Several origins: no fixed target, so only the hello tells the page where it is.
  ['several allowedOrigins, the host among them: verified by the hello, the phone arrives', [HOST, 'https://admin.example.com'], true],
  // Any site may frame it, so no origin can be verified: the host learns that and how it linked,
  // and reads the number from Titan's API with its key.
  ['no allowedOrigins: connected arrives without the phone', [], false],
];

for (const [name, origins, withPhone] of CASES)
  test(`script tag, ${name}`, async () => {
    const widgetUrl = await widgetUrlFor(origins.map((o) => (o === HOST ? e2e.backendUrl : o)));
    const { page } = await e2e.newPage();
    // The host page is written into a page the backend really served (the SPA's, replaced at
    // once): a page fulfilled by page.route counts as the public internet, and Chromium then
    // refuses it the loopback Titan server (private network access).
    await page.goto(`${e2e.backendUrl}/spa/`);
    await page.setContent(`<!doctype html><meta charset="utf-8"><title>host</title><body>
<script>window.titanEvents = []; document.addEventListener('titan-connected', (e) => { e.preventDefault(); titanEvents.push(e.detail); });</script>
<script src="${e2e.titanUrl}/widget/loader.js" data-widget-url="${widgetUrl}" async></script>`);
    const session = await scanQrShown(e2e, page);
    const connected = (await hostMessagesAfterConnect(page)).find((m) => m.event === 'connected')!;
    assert.equal(connected.session, session);
    assert.equal(connected.method, 'qr');
    if (withPhone) assert.match(String(connected.phone), /^\d+$/, 'the phone number');
    else assert.deepEqual([connected.phone, connected.pushName], [null, null], 'no phone number, no WhatsApp name');
    // Titan's API has the number either way.
    assert.match((await e2e.sessionInfo(session)).phone ?? '', /^\d+$/);
  });
