// The whole product in a real browser: the example backend creates widget sessions with its API
// key, the example pages embed the widget three ways, the virtual phone of the simulator engine
// links, and the host page and Titan's API agree on the result.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { Page } from 'playwright-core';
import {
  SECRET,
  assertIframeFollowsResize,
  forgeConnectedMessages,
  hostMessagesAfterConnect,
  linkWithPairingCode,
  messageListenerCount,
  scanQrShown,
  startE2e,
  widgetFrame,
  type E2e,
} from './harness.ts';

let e2e: E2e;
before(async () => {
  e2e = await startE2e({ engine: 'simulator' });
});
after(() => e2e?.close());
afterEach(async () => assert.deepEqual(await e2e.closePages(), [], 'no uncaught script errors in the pages'));

/** The one `connected` message the host page recorded, checked against the contract. */
function onlyConnected(messages: Record<string, unknown>[], session: string, method: string) {
  const connected = messages.filter((m) => m.event === 'connected');
  assert.equal(connected.length, 1, `exactly one connected message, got ${JSON.stringify(connected)}`);
  const [message] = connected;
  assert.deepEqual(
    { type: message!.type, event: message!.event, method: message!.method, session: message!.session },
    { type: 'titan:widget', event: 'connected', method, session },
  );
}

async function assertConnected(session: string, method: string) {
  const info = await e2e.sessionInfo(session);
  assert.equal(info.status, 'CONNECTED');
  assert.equal(info.method, method);
}

/** Opens the SPA example and presses "Connect WhatsApp" with the given form choices. */
async function openSpa(page: Page, { mode, callback = false }: { mode: 'all' | 'qr' | 'pairing'; callback?: boolean }) {
  await page.goto(`${e2e.backendUrl}/spa/`);
  await page.selectOption('select[name=mode]', mode);
  if (callback) await page.check('input[name=callback]');
  await page.click('button[type=submit]');
  await page.locator('#widget iframe').waitFor();
}

test('script tag: QR scan → the host page hears connected, the API says CONNECTED', async () => {
  const { page } = await e2e.newPage();
  await page.goto(`${e2e.backendUrl}/script-tag/?mode=qr`);
  const session = await scanQrShown(e2e, page);
  onlyConnected(await hostMessagesAfterConnect(page), session, 'qr');
  await assertConnected(session, 'qr');
  assert.match((await page.locator('#status').textContent()) ?? '', /^Linked \d+ by qr\.$/);
});

test('plain iframe: the height follows resize; forged messages are ignored, then the QR scan arrives once', async () => {
  const { page } = await e2e.newPage();
  await page.goto(`${e2e.backendUrl}/iframe/?mode=qr`);
  await widgetFrame(page).locator('titan-qr-panel svg').first().waitFor();
  await assertIframeFollowsResize(page);
  await forgeConnectedMessages(e2e, page);
  assert.deepEqual(await page.evaluate(`window.titanEvents.filter((m) => m.session === 'forged')`), []);
  assert.doesNotMatch((await page.locator('#status').textContent()) ?? '', /Linked/);

  const session = await scanQrShown(e2e, page);
  onlyConnected(await hostMessagesAfterConnect(page), session, 'qr');
  await assertConnected(session, 'qr');
});

test('SPA mount(): the height follows resize; forged messages never reach onConnected; the QR scan does', async () => {
  const { page } = await e2e.newPage();
  await openSpa(page, { mode: 'qr' });
  await widgetFrame(page).locator('titan-qr-panel svg').first().waitFor();
  await assertIframeFollowsResize(page);
  await forgeConnectedMessages(e2e, page);
  assert.deepEqual(await page.evaluate(`window.titanEvents.filter((m) => m.session === 'forged')`), []);
  assert.doesNotMatch((await page.locator('#status').textContent()) ?? '', /Linked/, 'onConnected did not run');

  const session = await scanQrShown(e2e, page);
  onlyConnected(await hostMessagesAfterConnect(page), session, 'qr');
  await page.locator('#status', { hasText: /^Linked \d+ by qr\.$/ }).waitFor();
  await assertConnected(session, 'qr');
  assert.equal(page.url(), `${e2e.backendUrl}/spa/`, 'no callback asked for: the app stays');
});

test('SPA mount(): the pairing code typed on the phone links, and onConnected reports pairing', async () => {
  const { page } = await e2e.newPage();
  await openSpa(page, { mode: 'all' });
  const session = await linkWithPairingCode(e2e, page, '+55 11 91234-5678');
  onlyConnected(await hostMessagesAfterConnect(page), session, 'pairing');
  await page.locator('#status', { hasText: 'by pairing' }).waitFor();
  await assertConnected(session, 'pairing');
  assert.equal((await e2e.sessionInfo(session)).phone, '5511912345678');
});

/** Waits for the callback page and returns its query and the values it shows. */
async function landedOnCallback(page: Page) {
  await page.waitForURL(`${e2e.backendUrl}/done?**`);
  const url = new URL(page.url());
  const shown = {
    session: await page.locator('#session').textContent(),
    status: await page.locator('#status').textContent(),
    method: await page.locator('#method').textContent(),
  };
  return { query: Object.fromEntries(url.searchParams), shown };
}

const CALLBACK_CASES: [string, string, (page: Page) => Promise<string>, string][] = [
  ['script tag (the loader navigates the top window)', '/script-tag/?mode=qr&callback=1', (page) => scanQrShown(e2e, page), 'qr'],
  ['plain iframe (the host listener navigates)', '/iframe/?callback=1', (page) => linkWithPairingCode(e2e, page, '+1 415 555 2671'), 'pairing'],
];
for (const [name, path, link, method] of CALLBACK_CASES) {
  test(`callbackUrl, ${name}: the browser ends on callbackUrl?session=…&status=connected&method=${method}`, async () => {
    const { page } = await e2e.newPage();
    await page.goto(`${e2e.backendUrl}${path}`);
    const session = await link(page);
    const { query, shown } = await landedOnCallback(page);
    // `from=example` is the callback URL's own parameter: kept.
    assert.deepEqual(await e2e.verifiedCallback(query), { from: 'example', session, status: 'connected', method });
    assert.deepEqual(shown, { session, status: 'connected', method });
    await assertConnected(session, method);
  });
}

test('SPA with the redirect box ticked: onConnected lets the loader follow redirectUrl', async () => {
  const { page } = await e2e.newPage();
  await openSpa(page, { mode: 'qr', callback: true });
  const session = await scanQrShown(e2e, page);
  const { query } = await landedOnCallback(page);
  assert.deepEqual(await e2e.verifiedCallback(query), { from: 'example', session, status: 'connected', method: 'qr' });
});

/** An HS256 JWT signed like the server signs widget tokens (same secret, same key bytes). */
function signToken(claims: Record<string, unknown>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${unsigned}.${createHmac('sha256', SECRET).update(unsigned).digest('base64url')}`;
}

/** A different character in the middle of the signature: every one of its 6 bits is used there. */
function tamper(token: string): string {
  const at = token.lastIndexOf('.') + 10;
  return token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1);
}

/** The same token, expired 100 s ago, properly signed: only the expiry is wrong. */
function expire(token: string): string {
  const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
  const now = Math.floor(Date.now() / 1000);
  return signToken({ ...claims, iat: now - 1000, exp: now - 100 });
}

const BAD_TOKEN_CASES: [string, (token: string) => string | null, number, string, string][] = [
  ['a tampered token', tamper, 403, 'Invalid widget token', 'may have been changed'],
  ['no token (a cut-short link)', () => null, 401, 'Missing widget token', 'needs the full link'],
];
for (const [name, change, status, title, line] of BAD_TOKEN_CASES) {
  test(`${name} in the plain iframe shows the ${status} "${title}" page`, async () => {
    const { page } = await e2e.newPage();
    // The iframe's request, its token changed on the way. (Not the host page's HTML: Chromium's
    // local-network checks block a page fulfilled by the test from framing localhost.)
    await page.route(`${e2e.titanUrl}/widget/connect?**`, (route) => {
      const url = new URL(route.request().url());
      const token = change(url.searchParams.get('token')!);
      if (token === null) url.searchParams.delete('token');
      else url.searchParams.set('token', token);
      return route.continue({ url: url.href });
    });
    const widgetResponse = page.waitForResponse((r) => r.url().startsWith(`${e2e.titanUrl}/widget/connect`));
    await page.goto(`${e2e.backendUrl}/iframe/`);
    assert.equal((await widgetResponse).status(), status);
    const widget = widgetFrame(page);
    assert.equal(await widget.locator('h1').textContent(), title);
    await widget.locator('p', { hasText: line }).waitFor();
  });
}

test('an expired token mounted by the SPA shows the 403 page that says it expired', async () => {
  const { page } = await e2e.newPage();
  await page.route(`${e2e.backendUrl}/api/widget-session`, async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    const token = new URL(body.widgetUrl).searchParams.get('token')!;
    await route.fulfill({ response, json: { ...body, widgetUrl: body.widgetUrl.replace(token, expire(token)) } });
  });
  const widgetResponse = page.waitForResponse((r) => r.url().startsWith(`${e2e.titanUrl}/widget/connect`));
  await openSpa(page, { mode: 'qr' });
  assert.equal((await widgetResponse).status(), 403);
  const widget = widgetFrame(page);
  assert.equal(await widget.locator('h1').textContent(), 'Invalid widget token');
  await widget.locator('p', { hasText: 'has expired' }).waitFor();
});

test('SPA: mounting twice keeps one iframe; destroy() (Cancel) leaves no iframe and no listener', async () => {
  const { context, page } = await e2e.newPage();
  await page.goto(`${e2e.backendUrl}/spa/`);
  const before = await messageListenerCount(context, page);
  await page.selectOption('select[name=mode]', 'qr');
  await page.click('button[type=submit]');
  const first = await page.locator('#widget iframe').getAttribute('src');
  // Connect again: a new widget session mounted into the same target replaces the first.
  await page.click('button[type=submit]');
  await page.waitForFunction(`(document.querySelector('#widget iframe')?.src ?? ${JSON.stringify(first)}) !== ${JSON.stringify(first)}`);
  assert.equal(await page.locator('iframe').count(), 1);
  assert.equal(await messageListenerCount(context, page), before + 1);

  await page.click('#cancel');
  assert.equal(await page.locator('iframe').count(), 0);
  assert.equal(await messageListenerCount(context, page), before);
  assert.equal(await page.locator('#status').textContent(), 'Cancelled.');
});
