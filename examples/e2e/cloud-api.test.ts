// Cloud API mode (Meta Embedded Signup) in a real browser, against local fakes of Meta: the fake
// FB JS SDK on its own origin (its popup posts `WA_EMBEDDED_SIGNUP` to the widget like Meta's)
// and the fake Graph API, which checks the exact exchange / subscribe / register / send requests.
// Host page → widget → "Continue with Facebook" → popup → server finishes against the fake Graph
// → host hears `connected` with `method: 'cloud-api'` → the API says CONNECTED and sends through
// the Graph messages endpoint. No secret may reach the browser on the way.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BrowserContext, Frame, Page } from 'playwright-core';
import { startFakeFbSdk, type FakeFbSdk } from '../../packages/server/src/test-support/fake-fb-sdk.ts';
import { startFakeGraph, type FakeGraph } from '../../packages/server/src/test-support/fake-graph.ts';
import { API_KEY, hostMessagesAfterConnect, startE2e, widgetFrame, widgetTokenOf, type E2e } from './harness.ts';

const CONFIG_ID = '987654321012345';

/**
 * Records, in the host page only (not the widget frame, which legitimately receives the login
 * code from Meta's popup), every message it receives, serialised as sent. A string: tsx would
 * wrap a function in helpers the page lacks.
 */
const RECORD_HOST_MESSAGES = `if (window === window.top) {
  window.allMessages = [];
  addEventListener('message', (event) => {
    let text;
    try { text = typeof event.data === 'string' ? event.data : JSON.stringify(event.data); } catch { text = String(event.data); }
    window.allMessages.push(text);
  });
}`;

/** The bodies of what Titan served to the browser (page, state, finish answer); not the SSE stream. */
function recordTitanResponses(context: BrowserContext, titanUrl: string): Promise<{ url: string; body: string }>[] {
  const bodies: Promise<{ url: string; body: string }>[] = [];
  context.on('response', (response) => {
    const url = response.url();
    if (!url.startsWith(`${titanUrl}/widget/`) || url.includes('/widget/api/events') || url.includes('/widget/assets/')) return;
    bodies.push(response.text().then((body) => ({ url, body }), () => ({ url, body: '' })));
  });
  return bodies;
}

/** Every event the widget session's SSE stream has carried, replayed from the start. */
async function sseReplay(titanUrl: string, widgetToken: string, until: string): Promise<string> {
  const response = await fetch(`${titanUrl}/widget/api/events?lastEventId=0`, {
    headers: { Authorization: `Bearer ${widgetToken}` },
    signal: AbortSignal.timeout(15_000),
  });
  assert.equal(response.status, 200);
  const decoder = new TextDecoder();
  const reader = response.body!.getReader();
  let text = '';
  // Read until the event we know was sent, then hang up (the stream itself never ends).
  try {
    while (!text.includes(`event: ${until}\n`)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    await reader.cancel();
  }
  return text;
}

/** The widget page's frame, for scripting the fake SDK inside it. */
function widgetPageFrame(page: Page): Frame {
  const frame = page.frames().find((f) => f.url().includes('/widget/connect?token='));
  assert.ok(frame, 'the widget frame');
  return frame;
}

/**
 * The `status` messages the host page received (recorded raw by RECORD_HOST_MESSAGES), as
 * `STATUS/REASON`, once the CONNECTED one is in: it follows the `connected` message, since the
 * finish answer carries no status and the stream's `connected` event does.
 */
async function statusesOnceConnected(page: Page): Promise<string[]> {
  await page.waitForFunction(`window.allMessages.some((text) => text.includes('"status":"CONNECTED"'))`);
  return ((await page.evaluate('window.allMessages')) as string[])
    .map((text) => JSON.parse(text) as { type?: string; event?: string; status?: string; statusReason?: string | null })
    .filter((m) => m.type === 'titan:widget' && m.event === 'status')
    .map((m) => `${m.status}/${m.statusReason}`);
}

function onlyConnected(messages: Record<string, unknown>[], session: string) {
  const connected = messages.filter((m) => m.event === 'connected');
  assert.deepEqual(
    connected.map((m) => ({ type: m.type, event: m.event, method: m.method, session: m.session })),
    [{ type: 'titan:widget', event: 'connected', method: 'cloud-api', session }],
  );
}

describe('with a platform Meta app (fake Graph API, fake FB SDK)', () => {
  let graph: FakeGraph;
  let sdk: FakeFbSdk;
  let e2e: E2e;
  // The secrets the browser must never see: the app secret, the business token, the login codes.
  let secrets: string[];
  // What the fake Graph expects by default (the platform app, the SDK's default code).
  let platform: FakeGraph['options'];

  before(async () => {
    graph = await startFakeGraph();
    sdk = await startFakeFbSdk();
    platform = { ...graph.options };
    assert.equal(platform.code, (await (await fetch(`${sdk.origin}/__scenario`)).json()).code, 'the fakes agree on the login code');
    e2e = await startE2e({
      env: {
        META_APP_ID: graph.options.appId,
        META_CONFIG_ID: CONFIG_ID,
        META_APP_SECRET: graph.options.appSecret,
        META_GRAPH_URL: graph.url,
        META_GRAPH_VERSION: graph.options.version,
        META_SDK_URL: sdk.sdkUrl,
      },
    });
  });
  after(async () => {
    // Each in turn, each even if another failed or never started.
    for (const stop of [() => e2e?.close(), () => graph?.close(), () => sdk?.close()]) await Promise.resolve(stop()).catch(() => {});
  });
  beforeEach(() => {
    // `reset` keeps earlier overrides (a fresh code, a BYOA app): go back to the defaults.
    graph.reset(platform);
    // The fake SDK refuses FB.init / FB.login with any other app or config id.
    sdk.setScenario({ expectAppId: graph.options.appId, expectConfigId: CONFIG_ID });
    secrets = [graph.options.appSecret, graph.options.businessToken, graph.options.code];
  });
  afterEach(async () => assert.deepEqual(await e2e.closePages(), [], 'no uncaught script errors in the pages'));

  /** Asserts none of the secrets appears in any of the texts; names where one did. */
  function assertNoSecrets(where: string, texts: string[]) {
    for (const text of texts) {
      for (const secret of secrets) assert.ok(!text.includes(secret), `${where} contains a secret: ${text.slice(0, 300)}`);
    }
  }

  const continueButton = (page: Page) => widgetFrame(page).locator('titan-cloud-api-panel button[part=button]');

  test('script tag: Embedded Signup links through the fake Graph; host hears connected; the API sends through Graph', async () => {
    const { context, page } = await e2e.newPage();
    await page.addInitScript(RECORD_HOST_MESSAGES);
    const served = recordTitanResponses(context, e2e.titanUrl);
    await page.goto(`${e2e.backendUrl}/script-tag/?mode=cloud-api`);
    const token = await widgetTokenOf(page);
    const { session, mode } = await e2e.widgetState(token);
    assert.equal(mode, 'cloud-api');

    // A real click: the fake SDK, like the browser for Meta's popup, refuses FB.login without one.
    const button = continueButton(page);
    await button.filter({ hasText: 'Continue with Facebook' }).waitFor();
    const popup = context.waitForEvent('page');
    await button.click();
    assert.ok((await popup).url().startsWith(`${sdk.origin}/popup.html`), 'Meta’s popup came from the SDK origin');

    onlyConnected(await hostMessagesAfterConnect(page), session);
    await page.locator('#status', { hasText: 'by cloud-api' }).waitFor();
    // One status message per real change.
    assert.deepEqual(await statusesOnceConnected(page), ['DISCONNECTED/null', 'CONNECTED/null']);
    // The widget's connected screen shows the number Meta reported and the WABA.
    const done = widgetFrame(page).locator('titan-status-view');
    await done.locator('h2', { hasText: 'WhatsApp connected' }).waitFor();
    await done.locator('p', { hasText: `WhatsApp Business Account ${graph.options.wabaId}` }).waitFor();
    await done.locator('p', { hasText: graph.options.verifiedName }).waitFor();

    // The exact Graph calls, in order: exchange, subscribe, register, number lookup.
    const v = graph.options.version;
    const { wabaId, phoneNumberId, businessToken } = graph.options;
    assert.deepEqual(
      graph.requests.map((r) => `${r.method} ${r.path}`),
      [`GET /${v}/oauth/access_token`, `POST /${v}/${wabaId}/subscribed_apps`, `POST /${v}/${phoneNumberId}/register`, `GET /${v}/${phoneNumberId}`],
    );
    const [exchange, subscribe, register] = graph.requests;
    assert.deepEqual(exchange!.query, { client_id: graph.options.appId, client_secret: graph.options.appSecret, code: graph.options.code });
    assert.equal(subscribe!.authorization, `Bearer ${businessToken}`);
    assert.equal(register!.authorization, `Bearer ${businessToken}`);
    const registerBody = register!.body as { messaging_product?: string; pin?: string };
    assert.equal(registerBody.messaging_product, 'whatsapp');
    assert.match(registerBody.pin ?? '', /^\d{6}$/);

    const info = await e2e.sessionInfo(session);
    assert.deepEqual(
      { status: info.status, method: info.method, phone: info.phone, pushName: info.pushName },
      { status: 'CONNECTED', method: 'cloud-api', phone: '15550104477', pushName: graph.options.verifiedName },
    );

    // Sending through the linked number goes to the Graph messages endpoint with the business token.
    const sent = await fetch(`${e2e.titanUrl}/api/sessions/${encodeURIComponent(session)}/messages`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ to: '15551234567', text: 'Hello from Titan Connect' }),
    });
    const sentBody = (await sent.json()) as { data?: { id?: string } };
    assert.equal(sent.status, 201, JSON.stringify(sentBody));
    assert.match(sentBody.data?.id ?? '', /^wamid\./);
    const send = graph.requests.at(-1)!;
    assert.deepEqual(
      { path: `${send.method} ${send.path}`, authorization: send.authorization, body: send.body },
      {
        path: `POST /${v}/${phoneNumberId}/messages`,
        authorization: `Bearer ${businessToken}`,
        body: { messaging_product: 'whatsapp', to: '15551234567', type: 'text', text: { body: 'Hello from Titan Connect' } },
      },
    );
    assertNoSecrets('the send answer', [JSON.stringify(sentBody)]);

    // No secret in the widget page, the state, the finish answer, the SSE events or any message
    // the host page received.
    const responses = await Promise.all(served);
    const urls = responses.map((r) => new URL(r.url).pathname);
    for (const path of ['/widget/connect', '/widget/api/cloud-api']) assert.ok(urls.includes(path), `saw ${path}`);
    // Not vacuous: the bodies were read (the page itself, the finish answer with the WABA).
    assert.match(responses.find((r) => r.url.includes('/widget/connect'))!.body, /titan-connect-widget/);
    assert.match(responses.find((r) => r.url.endsWith('/widget/api/cloud-api'))!.body, new RegExp(wabaId));
    assertNoSecrets('a widget response', responses.map((r) => r.body));
    assertNoSecrets('/widget/api/state', [JSON.stringify(await e2e.widgetState(token))]);
    const events = await sseReplay(e2e.titanUrl, token, 'connected');
    assert.match(events, /event: connected\n/);
    assertNoSecrets('the SSE stream', [events]);
    const hostMessages = (await page.evaluate('window.allMessages')) as string[];
    assert.ok(hostMessages.some((m) => m.includes('"connected"')), 'the recorder saw the connected message');
    assertNoSecrets('a message to the host page', hostMessages);
  });

  test('the Graph exchange fails: the widget shows a sentence, the host hears the code; "Try again" with a fresh code links', async () => {
    graph.fail('exchange');
    const { context, page } = await e2e.newPage();
    await page.addInitScript(RECORD_HOST_MESSAGES);
    const served = recordTitanResponses(context, e2e.titanUrl);
    await page.goto(`${e2e.backendUrl}/script-tag/?mode=cloud-api`);
    const token = await widgetTokenOf(page);
    const { session } = await e2e.widgetState(token);

    const button = continueButton(page);
    await button.filter({ hasText: 'Continue with Facebook' }).click();
    // The server's `failed` event: the widget's failure screen says it in the user's words; the
    // code and Meta's own message go to the host page.
    const status = widgetFrame(page).locator('titan-status-view');
    await status.locator('h2', { hasText: 'Could not link WhatsApp' }).waitFor();
    await status.locator('p', { hasText: 'Facebook did not confirm the WhatsApp Business account. Try again.' }).waitFor();
    assert.doesNotMatch((await status.textContent()) ?? '', /This authorization code has expired/);
    await page.waitForFunction(`window.allMessages.some((text) => text.includes('"event":"error"'))`);
    const errors = ((await page.evaluate('window.allMessages')) as string[])
      .map((text) => JSON.parse(text) as { event?: string; code?: string; message?: string })
      .filter((m) => m.event === 'error');
    assert.deepEqual(
      errors.map((m) => m.code),
      ['META_EXCHANGE_FAILED'],
    );
    assert.deepEqual(
      graph.requests.map((r) => r.step),
      ['exchange'],
      'a failed exchange is never retried, nothing after it runs',
    );
    assert.notEqual((await e2e.sessionInfo(session)).status, 'CONNECTED');

    // Meta works again and the next popup hands out a new code (the first was spent).
    const freshCode = 'AQD-second-login-code-b41d';
    graph.reset({ code: freshCode });
    secrets.push(freshCode);
    await widgetPageFrame(page).evaluate((code) => {
      (window as unknown as { __FAKE_FB_SCENARIO__: object }).__FAKE_FB_SCENARIO__ = { code };
    }, freshCode);
    await status.locator('button[part=button]', { hasText: 'Try again' }).click();
    // The failure cleared: a fresh panel, its SDK already loaded.
    await button.filter({ hasText: 'Continue with Facebook' }).click();

    onlyConnected(await hostMessagesAfterConnect(page), session);
    await status.locator('h2', { hasText: 'WhatsApp connected' }).waitFor();
    assert.equal(graph.requests[0]?.query.code, freshCode);
    // A Cloud API failure leaves the session's status as it was (nothing was ever linked), and
    // "Try again" changes nothing either: the host heard exactly two statuses.
    assert.deepEqual(await statusesOnceConnected(page), ['DISCONNECTED/null', 'CONNECTED/null']);
    const info = await e2e.sessionInfo(session);
    assert.deepEqual({ status: info.status, method: info.method }, { status: 'CONNECTED', method: 'cloud-api' });

    assertNoSecrets('a widget response', (await Promise.all(served)).map((r) => r.body));
    assertNoSecrets('a message to the host page', (await page.evaluate('window.allMessages')) as string[]);
  });

  test('with callbackUrl: the loader takes the top window to callbackUrl?…&method=cloud-api', async () => {
    const { page } = await e2e.newPage();
    await page.goto(`${e2e.backendUrl}/script-tag/?mode=cloud-api&callback=1`);
    const { session } = await e2e.widgetState(await widgetTokenOf(page));
    await continueButton(page).filter({ hasText: 'Continue with Facebook' }).click();
    await page.waitForURL(`${e2e.backendUrl}/done?**`);
    // `from=example` is the callback URL's own parameter: kept.
    assert.deepEqual(await e2e.verifiedCallback(Object.fromEntries(new URL(page.url()).searchParams)), { from: 'example', session, status: 'connected', method: 'cloud-api' });
    assert.equal(await page.locator('#method').textContent(), 'cloud-api');
    assert.equal((await e2e.sessionInfo(session)).status, 'CONNECTED');
  });

  test('BYOA, the widget page opened directly: FB.init and the exchange use the customer’s app, whose secret stays on the server', async () => {
    const byoa = { appId: '2222222222', configId: '333333333333333', appSecret: 'customer-app-secret-a9d3' };
    graph.reset({ appId: byoa.appId, appSecret: byoa.appSecret });
    // The fake SDK refuses FB.init / FB.login with the platform app or its config id.
    sdk.setScenario({ expectAppId: byoa.appId, expectConfigId: byoa.configId });
    secrets.push(byoa.appSecret);
    const created = await fetch(`${e2e.titanUrl}/api/widget/sessions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ mode: 'cloud-api', metaApp: byoa }),
    });
    const { data } = (await created.json()) as { data: { session: string; widgetUrl: string; widgetToken: string } };
    assert.equal(created.status, 201);
    const state = await e2e.widgetState(data.widgetToken);
    assert.deepEqual({ appId: state.meta?.appId, configId: state.meta?.configId }, { appId: byoa.appId, configId: byoa.configId });

    const { context, page } = await e2e.newPage();
    const served = recordTitanResponses(context, e2e.titanUrl);
    await page.goto(data.widgetUrl);
    await page.locator('titan-cloud-api-panel button[part=button]', { hasText: 'Continue with Facebook' }).click();
    await page.locator('titan-status-view h2', { hasText: 'WhatsApp connected' }).waitFor();

    assert.deepEqual(graph.requests[0]?.query, { client_id: byoa.appId, client_secret: byoa.appSecret, code: platform.code });
    const info = await e2e.sessionInfo(data.session);
    assert.deepEqual({ status: info.status, method: info.method }, { status: 'CONNECTED', method: 'cloud-api' });
    assertNoSecrets('a widget response', (await Promise.all(served)).map((r) => r.body));
    assertNoSecrets('/widget/api/state', [JSON.stringify(await e2e.widgetState(data.widgetToken))]);
  });

  test('SPA mount() in mode all: the Cloud API tab is offered, and linking through it reaches onConnected', async () => {
    const { page } = await e2e.newPage();
    await page.goto(`${e2e.backendUrl}/spa/`);
    await page.selectOption('select[name=mode]', 'all');
    await page.click('button[type=submit]');
    const widget = widgetFrame(page);
    await widget.locator('[role=tab]').first().waitFor();
    const tabs = await widget.locator('[role=tab]').evaluateAll((buttons) => buttons.map((b) => b.id));
    assert.deepEqual([...tabs].sort(), ['tab-cloud-api', 'tab-pairing', 'tab-qr']);

    const { session } = await e2e.widgetState(await widgetTokenOf(page));
    await widget.locator('#tab-cloud-api').click();
    await continueButton(page).filter({ hasText: 'Continue with Facebook' }).click();
    onlyConnected(await hostMessagesAfterConnect(page), session);
    await page.locator('#status', { hasText: 'by cloud-api' }).waitFor();
    assert.equal(page.url(), `${e2e.backendUrl}/spa/`, 'no callback asked for: the app stays');
    assert.equal((await e2e.sessionInfo(session)).method, 'cloud-api');
  });
});

describe('without a Meta app', () => {
  let e2e: E2e;
  before(async () => {
    e2e = await startE2e();
  });
  after(() => e2e?.close());
  afterEach(async () => assert.deepEqual(await e2e.closePages(), [], 'no uncaught script errors in the pages'));

  test('mode all offers QR and phone number only; mode cloud-api is refused when the session is created', async () => {
    const { page } = await e2e.newPage();
    await page.goto(`${e2e.backendUrl}/script-tag/?mode=all`);
    const widget = widgetFrame(page);
    await widget.locator('titan-qr-panel svg').first().waitFor();
    const tabs = await widget.locator('[role=tab]').evaluateAll((buttons) => buttons.map((b) => b.id));
    assert.deepEqual([...tabs].sort(), ['tab-pairing', 'tab-qr']);
    assert.equal((await e2e.widgetState(await widgetTokenOf(page))).meta ?? null, null, 'no Meta config in the state');

    // The example backend passes Titan's refusal on: a 400 naming the missing Meta app.
    const refused = await fetch(`${e2e.backendUrl}/api/widget-session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ mode: 'cloud-api' }),
    });
    const body = (await refused.json()) as { code?: string; error?: string };
    assert.equal(refused.status, 400);
    assert.equal(body.code, 'META_NOT_CONFIGURED');
    assert.match(body.error ?? '', /META_APP_ID/);
  });
});
