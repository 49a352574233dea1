// The demo page (`/` with TITAN_DEMO=1) in a real browser, on the emulated engine (real Baileys
// against the in-process WhatsApp edge): create a widget session, scan with the virtual phone,
// then a contact writes to the linked number from the phone's "send a message" box; the page's
// webhook panel lists what the demo's own receiver got, signatures verified.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startE2e, type E2e } from './harness.ts';

let e2e: E2e;
before(async () => {
  // As the root `pnpm start` runs it: the demo's receiver is on this server's loopback address.
  e2e = await startE2e({ engine: 'emulated', env: { TITAN_DEMO: '1', TITAN_WEBHOOK_ALLOW_PRIVATE: '1' } });
});
after(() => e2e?.close());
afterEach(async () => assert.deepEqual(await e2e.closePages(), [], 'no uncaught script errors in the pages'));

test('demo: link with the virtual phone, then send a message from it to the linked number; the webhook panel shows both', async () => {
  const { page } = await e2e.newPage();
  await page.goto(`${e2e.titanUrl}/`);
  await page.locator('.phone').waitFor({ state: 'visible' });
  await page.locator('#create button[type=submit]').click();
  // The widget shows its QR; the phone's scan button reads it from the widget's state.
  await page.frameLocator('#widget iframe').first().locator('titan-qr-panel svg').first().waitFor();
  await page.locator('#scan').click();
  await page.locator('#session', { hasText: ': connected' }).waitFor();
  const session = /"([^"]+)"/.exec((await page.locator('#session').textContent()) ?? '')?.[1];
  assert.ok(session);
  assert.equal((await e2e.sessionInfo(session)).status, 'CONNECTED');
  // The worker's signed delivery reached the demo receiver, which the panel polls every 2 s.
  const delivery = (type: string) => page.locator('#webhooks-list li', { has: page.locator('.type', { hasText: type }) });
  await delivery('session.connected').waitFor();
  assert.match((await delivery('session.connected').locator('code').textContent()) ?? '', new RegExp(`"session":"${session}","method":"qr"`));

  await page.locator('#send-message input[name=text]').fill('hello from the phone');
  await page.locator('#send-message button').click();
  // 200 only once the edge delivered the Signal message to a connected device of the number.
  await page.locator('#phone-status', { hasText: `Message sent to "${session}".` }).waitFor();
  assert.equal(await page.locator('#send-message input[name=text]').inputValue(), '', 'the box is cleared for the next one');
  await delivery('message.received').waitFor();
  assert.match((await delivery('message.received').locator('code').textContent()) ?? '', /"text":"hello from the phone"/);
  const types = await page.locator('#webhooks-list .type').allTextContents();
  assert.equal(types[0], 'message.received', 'newest first');
  assert.ok(types.includes('widget_session.completed'), types.join(', '));
});
