// The fake FB SDK in real Chromium: a host page on another origin loads it and runs FB.login on a
// click, as the widget's Cloud API panel will. Checks both orders, both encodings, every event,
// and that the fake refuses the mistakes Meta's SDK punishes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
// @ts-expect-error: a plain .mjs helper without types
import { CHROMIUM_ARGS, findChromium } from '../../../../scripts/chromium.mjs';
import { DEFAULT_FB_SCENARIO, scenarioFromQuery, startFakeFbSdk, type FakeFbSdk } from './fake-fb-sdk.js';

const LOGIN_OPTIONS = { config_id: '987654321', response_type: 'code', override_default_response_type: true, extras: { setup: {} } };

// The host page records what a widget would see: messages from the SDK origin and the callback.
const hostPage = (sdkSrc: string, login: object, auto: boolean) => `<!doctype html><meta charset="utf-8">
<button id="go">Continue with Facebook</button>
<script>
  window.seen = [];
  window.addEventListener('message', (e) => {
    if (e.origin !== new URL(${JSON.stringify(sdkSrc)}).origin) return;
    if (e.data && (e.data.type === 'FAKE_FB_LOGIN_RESULT' || e.data.type === 'FAKE_FB_LOGIN_DONE')) return;
    window.seen.push({ kind: 'message', data: e.data });
  });
  window.login = () => FB.login((response) => window.seen.push({ kind: 'callback', response }), ${JSON.stringify(login)});
  window.fbAsyncInit = () => {
    FB.init({ appId: '1111111111', version: 'v21.0', xfbml: false });
    // No user gesture here (Playwright's evaluate would lend one): what a page-load login does.
    if (${auto}) window.login();
  };
  document.getElementById('go').addEventListener('click', () => window.login());
</script>
<script src=${JSON.stringify(sdkSrc)} async></script>`;

let sdk: FakeFbSdk;
let host: Server;
let hostOrigin: string;
let browser: Browser;

before(async () => {
  sdk = await startFakeFbSdk();
  host = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const login = url.searchParams.get('login');
    res.writeHead(200, { 'content-type': 'text/html' }).end(hostPage(`${sdk.sdkUrl}?${url.searchParams.get('q') ?? ''}`, login ? JSON.parse(login) : LOGIN_OPTIONS, url.searchParams.has('auto')));
  });
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
  // `localhost` rather than 127.0.0.1: the host page must be a different origin from the SDK.
  hostOrigin = `http://localhost:${(host.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS, headless: true });
});
after(async () => {
  await browser?.close();
  await sdk.close();
  await new Promise((resolve) => host.close(resolve));
});

interface Seen {
  kind: 'message' | 'callback';
  data?: unknown;
  response?: { status: string; authResponse: { code: string } | null };
}

async function runLogin(query: Record<string, string>, options: { login?: object; click?: boolean; count?: number } = {}): Promise<{ seen: Seen[] }> {
  const page = await browser.newPage();
  const params = new URLSearchParams({ q: new URLSearchParams(query).toString() });
  if (options.login) params.set('login', JSON.stringify(options.login));
  if (options.click === false) params.set('auto', '1');
  await page.goto(`${hostOrigin}/?${params}`);
  await page.waitForFunction(() => typeof (globalThis as { FB?: unknown }).FB === 'object');
  if (options.click !== false) await page.click('#go');
  const count = options.count ?? 2;
  await page.waitForFunction((n) => (globalThis as unknown as { seen: unknown[] }).seen.length >= n, count);
  const seen = await page.evaluate(() => (globalThis as unknown as { seen: Seen[] }).seen);
  await page.close();
  return { seen };
}

const parse = (data: unknown) => (typeof data === 'string' ? JSON.parse(data) : data) as { type: string; event: string; data: Record<string, string> };

const ORDERS: [string, Record<string, string>, ('message' | 'callback')[], 'string' | 'object'][] = [
  ['message first, as a JSON string (like Meta)', { order: 'message-first' }, ['message', 'callback'], 'string'],
  ['callback first, as an object', { order: 'callback-first', encoding: 'object' }, ['callback', 'message'], 'object'],
  ['from a hidden frame instead of a popup', { transport: 'iframe', order: 'callback-first' }, ['callback', 'message'], 'string'],
];
for (const [name, query, order, encoding] of ORDERS) {
  test(`FINISH: ${name}`, async () => {
    const { seen } = await runLogin(query);
    assert.deepEqual(seen.map((s) => s.kind), order);
    const message = seen.find((s) => s.kind === 'message')!;
    assert.equal(typeof message.data, encoding);
    assert.deepEqual(parse(message.data), {
      type: 'WA_EMBEDDED_SIGNUP',
      event: 'FINISH',
      version: '3',
      data: { waba_id: DEFAULT_FB_SCENARIO.wabaId, business_id: DEFAULT_FB_SCENARIO.businessId, phone_number_id: DEFAULT_FB_SCENARIO.phoneNumberId },
    });
    const callback = seen.find((s) => s.kind === 'callback')!;
    assert.equal(callback.response!.status, 'connected');
    assert.equal(callback.response!.authResponse!.code, DEFAULT_FB_SCENARIO.code);
  });
}

const EVENTS: [string, Record<string, string>, (data: Record<string, string>) => void, boolean][] = [
  ['FINISH_ONLY_WABA has no phone number', { event: 'FINISH_ONLY_WABA' }, (d) => assert.equal(d.phone_number_id, undefined), true],
  ['coexistence has a phone number', { event: 'FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING' }, (d) => assert.equal(d.phone_number_id, DEFAULT_FB_SCENARIO.phoneNumberId), true],
  ['CANCEL names the step', { event: 'CANCEL' }, (d) => assert.equal(d.current_step, 'PHONE_NUMBER_SETUP'), false],
  ['CANCEL with an error', { event: 'CANCEL', errorMessage: 'Business verification needed' }, (d) => assert.equal(d.error_message, 'Business verification needed'), false],
  ['ERROR carries a message', { event: 'ERROR', errorMessage: 'Something broke' }, (d) => assert.equal(d.error_message, 'Something broke'), false],
];
for (const [name, query, check, hasCode] of EVENTS) {
  test(`${name}`, async () => {
    const { seen } = await runLogin(query);
    const message = parse(seen.find((s) => s.kind === 'message')!.data);
    assert.equal(message.event, query.event);
    check(message.data);
    const callback = seen.find((s) => s.kind === 'callback')!;
    assert.equal(callback.response!.authResponse?.code ?? null, hasCode ? DEFAULT_FB_SCENARIO.code : null);
  });
}

test('noise: a non-JSON message and a foreign one arrive before the signup message', async () => {
  const { seen } = await runLogin({ noise: 'true' }, { count: 4 });
  assert.equal(seen[0]!.data, 'not json {');
  assert.equal(parse(seen[1]!.data).type, 'SOME_OTHER_SDK_MESSAGE');
  assert.equal(parse(seen[2]!.data).type, 'WA_EMBEDDED_SIGNUP');
});

const REFUSALS: [string, Parameters<typeof runLogin>[1], Record<string, string>, RegExp][] = [
  ['FB.login outside a click', { click: false }, {}, /click handler/],
  ["a login without response_type: 'code'", { login: { ...LOGIN_OPTIONS, response_type: 'token' } }, {}, /response_type/],
  ['a login without override_default_response_type', { login: { ...LOGIN_OPTIONS, override_default_response_type: undefined } }, {}, /override_default_response_type/],
  ['a login without config_id', { login: { ...LOGIN_OPTIONS, config_id: undefined } }, {}, /config_id/],
  ['a login without extras.setup', { login: { ...LOGIN_OPTIONS, extras: {} } }, {}, /extras/],
  ['another app id than expected (BYOA)', {}, { expectAppId: '2222222222' }, /appId 1111111111 is not 2222222222/],
];
for (const [name, options, query, reason] of REFUSALS) {
  test(`refuses ${name}: the callback gets no code and no signup message is posted`, async () => {
    const before = sdk.calls.length;
    const { seen } = await runLogin(query, { ...options, count: 1 });
    assert.deepEqual(seen, [{ kind: 'callback', response: { authResponse: null, status: 'unknown' } }]);
    // sendBeacon is asynchronous: wait until the refusal reached the fake's server.
    for (let i = 0; i < 100 && !sdk.calls.slice(before).some((c) => c.kind === 'refused'); i++) await new Promise((r) => setTimeout(r, 20));
    const refused = sdk.calls.slice(before).find((c) => c.kind === 'refused');
    assert.ok(refused, 'the refusal is recorded server-side');
    assert.match((refused.args as { reason: string }).reason, reason);
  });
}

test('scenario query values take the types of the defaults; unknown keys are ignored', () => {
  assert.deepEqual(scenarioFromQuery(new URLSearchParams('delayMs=5&noise=true&phoneNumberId=null&event=CANCEL&bogus=1')), {
    delayMs: 5,
    noise: true,
    phoneNumberId: null,
    event: 'CANCEL',
  });
});
