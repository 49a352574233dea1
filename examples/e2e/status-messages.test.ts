// The host page hears one `status` message per real change of the server's status, and nothing
// else, in every flow: counted in Chromium against the real server (simulator engine, its clock
// sped up so the QR rotates every second). The widget merges the server's state; before, it
// guessed SCAN_QR from every `qr` event and FAILED from every `failed` one.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { API_KEY, hostHeard, hostStatuses, startE2e, widgetFrame, widgetSawQr, widgetTokenOf, type E2e } from './harness.ts';

// First QR 3 s, then 1 s each (6 in all, so the cycle times out after 8 s); a pairing code 9 s.
const SIM_SPEED = 20;

let e2e: E2e;
before(async () => {
  e2e = await startE2e({ engine: 'simulator', env: { TITAN_SIM_SPEED: String(SIM_SPEED) } });
});
after(() => e2e?.close());
afterEach(async () => assert.deepEqual(await e2e.closePages(), [], 'no uncaught script errors in the pages'));

/** Opens the SPA example (it records every message in `window.titanEvents`) with a widget in `mode`. */
async function openSpa(mode: 'all' | 'qr' | 'pairing'): Promise<Page> {
  const { page } = await e2e.newPage();
  await page.goto(`${e2e.backendUrl}/spa/`);
  await page.selectOption('select[name=mode]', mode);
  await page.click('button[type=submit]');
  await page.locator('#widget iframe').waitFor();
  return page;
}

/** Scans the QR on screen with the virtual phone; the QR lives a second, so a stale one is read again. */
async function scanNow(page: Page): Promise<string> {
  const token = await widgetTokenOf(page);
  for (let tries = 0; ; tries++) {
    const state = await e2e.widgetState(token);
    assert.ok(state.qr, 'a QR on screen');
    try {
      await e2e.phone('scan', { qr: state.qr.qr });
      return state.session;
    } catch (error) {
      if (tries === 3) throw error;
    }
  }
}

async function deleteSession(name: string): Promise<void> {
  const response = await fetch(`${e2e.titanUrl}/api/sessions/${encodeURIComponent(name)}`, {
    method: 'DELETE',
    headers: { Authorization: `Bearer ${API_KEY}` },
  });
  assert.ok(response.ok, `DELETE /api/sessions/${name}: ${response.status}`);
}

/** Gives a wrong extra message time to arrive before the exact comparison. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 500));

test('QR link with rotations: SCAN_QR once, then CONNECTED', async () => {
  const page = await openSpa('qr');
  await widgetSawQr(page, 3);
  await scanNow(page);
  await hostHeard(page, 'connected');
  await settle();
  assert.deepEqual(await hostStatuses(page), ['CONNECTING/SCAN_QR', 'CONNECTED/null']);
});

test('pairing code after QR rotations: SCAN_QR, PAIRING_CODE, CONNECTED', async () => {
  const page = await openSpa('all');
  await widgetSawQr(page, 2);
  const widget = widgetFrame(page);
  await widget.locator('#tab-pairing').click();
  await widget.locator('titan-pairing-panel input#phone').fill('+55 11 91234-5678');
  await widget.locator('titan-pairing-panel button[type=submit]').click();
  const code = (await widget.locator('titan-pairing-panel [part=code]').textContent())?.trim() ?? '';
  await e2e.phone('enter-code', { code });
  await hostHeard(page, 'connected');
  await settle();
  assert.deepEqual(await hostStatuses(page), ['CONNECTING/SCAN_QR', 'CONNECTING/PAIRING_CODE', 'CONNECTED/null']);
});

test('the QR cycle times out, the user asks for a new one and scans it', async () => {
  const page = await openSpa('qr');
  await hostHeard(page, 'expired');
  const widget = widgetFrame(page);
  await widget.locator('titan-qr-panel button', { hasText: 'Generate a new QR code' }).click();
  await widgetSawQr(page, 1);
  await scanNow(page);
  await hostHeard(page, 'connected');
  await settle();
  // The restart's own `state` event leaves the status as it was; the next QR moves it.
  assert.deepEqual(await hostStatuses(page), ['CONNECTING/SCAN_QR', 'DISCONNECTED/QR_TIMEOUT', 'CONNECTING/SCAN_QR', 'CONNECTED/null']);
});

test('the session is deleted while the user is linking: MANUAL_STOP, and the screen shows a sentence', async () => {
  const page = await openSpa('qr');
  await widgetSawQr(page, 2);
  const { session } = await e2e.widgetState(await widgetTokenOf(page));
  await deleteSession(session);
  await hostHeard(page, 'error');
  await widgetFrame(page).locator('titan-status-view', { hasText: 'Could not link WhatsApp' }).waitFor();
  await settle();
  assert.deepEqual(await hostStatuses(page), ['CONNECTING/SCAN_QR', 'DISCONNECTED/MANUAL_STOP']);
  const text = (await widgetFrame(page).locator('titan-status-view').textContent()) ?? '';
  assert.doesNotMatch(text, /The session was deleted/, "the server's message is for the host, not the screen");
});

test('the session is deleted after it linked: CONNECTED, then DISCONNECTED/MANUAL_STOP', async () => {
  const page = await openSpa('qr');
  await widgetSawQr(page, 1);
  const session = await scanNow(page);
  await hostHeard(page, 'connected');
  await deleteSession(session);
  await hostHeard(page, 'error');
  await settle();
  assert.deepEqual(await hostStatuses(page), ['CONNECTING/SCAN_QR', 'CONNECTED/null', 'DISCONNECTED/MANUAL_STOP']);
});
