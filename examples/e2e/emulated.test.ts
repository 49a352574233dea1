// The same browser flow with `TITAN_ENGINE=emulated`: the real Baileys engine (unmodified
// Baileys inside) linking against the in-process WhatsApp edge emulator. Its own file, so its
// own process: emulated mode changes Baileys' module-level certificate root.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { hostMessagesAfterConnect, hostStatuses, linkWithPairingCode, scanQrShown, startE2e, widgetFrame, widgetSawQr, type E2e } from './harness.ts';

let e2e: E2e;
before(async () => {
  e2e = await startE2e({ engine: 'emulated' });
});
after(() => e2e?.close());
afterEach(async () => assert.deepEqual(await e2e.closePages(), [], 'no uncaught script errors in the pages'));

test('emulated engine, script tag: the QR scanned by the emulator phone links through Baileys', async () => {
  const { page } = await e2e.newPage();
  await page.goto(`${e2e.backendUrl}/script-tag/?mode=qr`);
  const session = await scanQrShown(e2e, page);
  const connected = (await hostMessagesAfterConnect(page)).filter((m) => m.event === 'connected');
  assert.deepEqual(
    connected.map((m) => ({ type: m.type, method: m.method, session: m.session })),
    [{ type: 'titan:widget', method: 'qr', session }],
  );
  const info = await e2e.sessionInfo(session);
  assert.deepEqual({ status: info.status, method: info.method }, { status: 'CONNECTED', method: 'qr' });
  assert.match(info.phone ?? '', /^\d+$/, 'Baileys reported the linked number');
});

test('emulated engine, SPA mount(): the pairing code typed on the emulator phone links', async () => {
  const { page } = await e2e.newPage();
  await page.goto(`${e2e.backendUrl}/spa/`);
  await page.selectOption('select[name=mode]', 'all');
  await page.click('button[type=submit]');
  const session = await linkWithPairingCode(e2e, page, '+55 11 91234-5678');
  const connected = (await hostMessagesAfterConnect(page)).filter((m) => m.event === 'connected');
  assert.deepEqual(
    connected.map((m) => ({ method: m.method, session: m.session })),
    [{ method: 'pairing', session }],
  );
  const info = await e2e.sessionInfo(session);
  assert.deepEqual({ status: info.status, method: info.method, phone: info.phone }, { status: 'CONNECTED', method: 'pairing', phone: '5511912345678' });
});

// The bug this guards (issue 10): Baileys keeps rotating QRs under a pairing code, and the widget
// used to turn each rotation into `status CONNECTING/SCAN_QR` for the host. Baileys' own timing
// (first QR 60 s, then 20 s) makes this test wait ~80 s for two rotations under the code.
test('emulated engine: QR rotations under a pairing code send the host no status message', async () => {
  const { page } = await e2e.newPage();
  await page.goto(`${e2e.backendUrl}/spa/`);
  await page.selectOption('select[name=mode]', 'all');
  await page.click('button[type=submit]');
  await widgetSawQr(page, 1);
  const widget = widgetFrame(page);
  await widget.locator('#tab-pairing').click();
  await widget.locator('titan-pairing-panel input#phone').fill('+55 11 91234-5678');
  await widget.locator('titan-pairing-panel button[type=submit]').click();
  const code = (await widget.locator('titan-pairing-panel [part=code]').textContent())?.trim() ?? '';
  // Two rotations under the code, applied by the widget while the code stays on screen.
  await widgetSawQr(page, 3, 150_000);
  assert.equal((await widget.locator('titan-pairing-panel [part=code]').textContent())?.trim(), code, 'the code is still shown');
  assert.deepEqual(await hostStatuses(page), ['CONNECTING/SCAN_QR', 'CONNECTING/PAIRING_CODE']);
  await e2e.phone('enter-code', { code });
  await hostMessagesAfterConnect(page);
  await page.waitForFunction(`window.titanEvents.some((m) => m.event === 'status' && m.status === 'CONNECTED')`);
  assert.deepEqual(await hostStatuses(page), ['CONNECTING/SCAN_QR', 'CONNECTING/PAIRING_CODE', 'CONNECTED/null']);
});
