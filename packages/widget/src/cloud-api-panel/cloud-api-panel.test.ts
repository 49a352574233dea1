// The Cloud API panel in Chromium against the server's fake FB JS SDK, served on its own origin
// by web-test-runner (../test/wtr-fake-fb-sdk.mjs): a real cross-origin popup posts WA_EMBEDDED_SIGNUP to
// this page. The widget API is the usual fetch stub. "Continue with Facebook" is pressed with a
// real key press, because the fake, like Meta, refuses FB.login outside a user gesture.
import { WIDGET_PATHS, type MetaPublicConfig, type WidgetState } from '@titan-connect/protocol';
import { assert } from '../test/assert.js';
import { find, mountWidget, visibleText, waitFor, waitForText } from '../test/dom.js';
import { FakeWidgetServer } from '../test/fake-server.js';
import { AFTER, TOKEN, connected, stamped, widgetState } from '../test/fixtures.js';
import { resetFacebookSdk } from './fb-sdk.js';
import type { TitanCloudApiPanel } from './cloud-api-panel.component.js';

/** What the fake Meta does on `FB.login` (the fields of the server's `FakeFbScenario` used here). */
interface FakeFbScenario {
  event: 'FINISH' | 'FINISH_ONLY_WABA' | 'FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING' | 'CANCEL' | 'ERROR';
  order: 'message-first' | 'callback-first';
  encoding: 'json-string' | 'object';
  code: string;
  cancelStep: string;
  errorMessage: string | null;
  noise: boolean;
}
interface FakeFbCall {
  kind: 'init' | 'login' | 'refused';
  args: Record<string, unknown>;
}
declare global {
  interface Window {
    __fakeFb?: { calls: FakeFbCall[] };
    __FAKE_FB_SCENARIO__?: Partial<FakeFbScenario>;
  }
}

/** A key press through Playwright (web-test-runner's `send-keys` command): a real user gesture. */
async function pressEnter(): Promise<void> {
  const socket = '/__web-dev-server__web-socket.js';
  const { sendMessageWaitForResponse } = (await import(/* @vite-ignore */ socket)) as {
    sendMessageWaitForResponse(message: object): Promise<unknown>;
  };
  const sessionId = new URL(location.href).searchParams.get('wtr-session-id');
  await sendMessageWaitForResponse({ type: 'wtr-command', sessionId, command: 'send-keys', payload: { press: 'Enter' } });
}

const WABA = '102290129340398';
const PHONE_NUMBER_ID = '106540352242922';
const CODE = 'AQD-login-code-7c2e';

describe('<titan-cloud-api-panel> with the fake FB SDK', () => {
  let fake: { sdkUrl: string; origin: string };
  let server: FakeWidgetServer;
  let popups: (Window | null)[] = [];
  const openPopup = window.open;

  /**
   * Waits until Meta's popups are gone. The fake names its popup like Meta does, so a second
   * FB.login while the first one is still closing would reuse it (same document: nothing happens).
   */
  async function popupsClosed(): Promise<void> {
    await waitFor(() => popups.every((popup) => !popup || popup.closed), 'the popup to close');
    popups = [];
  }

  before(async () => {
    fake = (await (await fetch('/__titan/fake-fb-sdk')).json()) as typeof fake;
  });
  beforeEach(() => {
    // Every test loads the SDK afresh (the loader memoises it per page).
    delete window.FB;
    delete window.__fakeFb;
    delete window.__FAKE_FB_SCENARIO__;
    resetFacebookSdk();
    document.querySelectorAll('script[data-titan-fb-sdk]').forEach((s) => s.remove());
    server = new FakeWidgetServer().install();
    window.open = (...args) => {
      const popup = openPopup.apply(window, args);
      popups.push(popup);
      return popup;
    };
  });
  afterEach(async () => {
    document.querySelectorAll('titan-connect-widget').forEach((el) => el.remove());
    server.restore();
    await popupsClosed();
    window.open = openPopup;
  });

  const meta = (overrides: Partial<MetaPublicConfig> = {}): MetaPublicConfig => ({
    appId: '1234567890',
    configId: 'cfg-42',
    sdkUrl: fake.sdkUrl,
    graphVersion: 'v21.0',
    ...overrides,
  });
  const cloudState = (overrides: Partial<WidgetState> = {}) =>
    widgetState({ mode: 'cloud-api', methods: ['cloud-api'], qr: null, statusReason: null, phase: 'idle', meta: meta(), ...overrides });
  const panelOf = (widget: Element) => find<TitanCloudApiPanel>(widget, 'titan-cloud-api-panel')!;
  const buttonOf = (widget: Element) => panelOf(widget).shadowRoot!.querySelector<HTMLButtonElement>('button[part=button]')!;
  const connectedReply = (overrides = {}) => ({
    status: 200,
    body: { success: true, data: connected({ method: 'cloud-api', phone: '15550001111', pushName: 'Acme', wabaId: WABA, phoneNumberId: PHONE_NUMBER_ID, ...overrides }) },
  });

  /** Mounts the widget in cloud-api mode and waits until the SDK is loaded and the button enabled. */
  async function mountReady(state = cloudState()) {
    server.opening = [{ event: 'state', data: state }];
    const widget = await mountWidget();
    await waitFor(() => panelOf(widget)?.phase === 'ready', () => `ready (phase ${panelOf(widget)?.phase}; ${visibleText(widget)})`);
    assert.equal(buttonOf(widget).disabled, false);
    return widget;
  }

  /** Focuses the button and presses Enter for real; `scenario` is what the fake Meta does. */
  async function continueWithFacebook(widget: Element, scenario: Partial<FakeFbScenario> = {}) {
    window.__FAKE_FB_SCENARIO__ = scenario;
    buttonOf(widget).focus();
    await pressEnter();
  }

  const finishRequests = () => server.requestsTo(WIDGET_PATHS.cloudApi);

  it('loads the SDK, initialises it with the session app, and calls FB.login in the click with the signup options', async () => {
    const widget = await mountReady();
    assert.deepEqual(window.__fakeFb?.calls.find((c) => c.kind === 'init')?.args, { appId: '1234567890', version: 'v21.0', xfbml: false, cookie: false });
    server.replies.set(WIDGET_PATHS.cloudApi, connectedReply());
    await continueWithFacebook(widget);
    const calls = window.__fakeFb!.calls;
    assert.deepEqual(calls.filter((c) => c.kind === 'refused'), [], 'the fake saw a user gesture and valid options');
    assert.deepEqual(calls.find((c) => c.kind === 'login')?.args, {
      config_id: 'cfg-42',
      response_type: 'code',
      override_default_response_type: true,
      extras: { setup: {}, featureType: '', sessionInfoVersion: '3' },
    });
    await waitFor(() => finishRequests().length === 1, 'the finish request');
  });

  const FINISHES: [what: string, scenario: Partial<FakeFbScenario>, body: object][] = [
    ['FINISH before the code (JSON string)', { order: 'message-first' }, { code: CODE, wabaId: WABA, event: 'FINISH', phoneNumberId: PHONE_NUMBER_ID }],
    ['FINISH after the code (object)', { order: 'callback-first', encoding: 'object' }, { code: CODE, wabaId: WABA, event: 'FINISH', phoneNumberId: PHONE_NUMBER_ID }],
    ['FINISH among unrelated messages', { noise: true }, { code: CODE, wabaId: WABA, event: 'FINISH', phoneNumberId: PHONE_NUMBER_ID }],
    ['FINISH_ONLY_WABA (no number)', { event: 'FINISH_ONLY_WABA', order: 'callback-first' }, { code: CODE, wabaId: WABA, event: 'FINISH_ONLY_WABA' }],
    [
      'FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING (coexistence)',
      { event: 'FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING' },
      { code: CODE, wabaId: WABA, event: 'FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING', phoneNumberId: PHONE_NUMBER_ID },
    ],
  ];
  for (const [what, scenario, body] of FINISHES) {
    it(`${what}: posts code and session info once, with the token, then shows connected`, async () => {
      const widget = await mountReady();
      const connectedEvents: string[] = [];
      widget.addEventListener('titan-connected', (event) => connectedEvents.push(event.detail.method));
      server.replies.set(WIDGET_PATHS.cloudApi, connectedReply());
      await continueWithFacebook(widget, scenario);
      await waitForText(widget, 'WhatsApp connected');
      const [request, ...more] = finishRequests();
      assert.deepEqual(request?.body, body);
      assert.equal(more.length, 0, 'posted once');
      assert.equal(request!.headers.get('Authorization'), `Bearer ${TOKEN}`);
      assert.deepEqual(connectedEvents, ['cloud-api']);
      const text = visibleText(widget);
      assert.includes(text, '+15550001111');
      assert.includes(text, `WhatsApp Business Account ${WABA}`);
    });
  }

  it('ignores a forged FINISH from another origin (this page) that arrives first', async () => {
    const widget = await mountReady();
    server.replies.set(WIDGET_PATHS.cloudApi, connectedReply());
    await continueWithFacebook(widget, { order: 'callback-first' });
    window.postMessage(JSON.stringify({ type: 'WA_EMBEDDED_SIGNUP', event: 'FINISH', data: { waba_id: '666', phone_number_id: '667' } }), '*');
    await waitFor(() => finishRequests().length === 1, 'the finish request');
    assert.equal((finishRequests()[0]!.body as { wabaId: string }).wabaId, WABA);
  });

  it('shows "finishing" while the server exchanges the code, then connected from the stream', async () => {
    const widget = await mountReady();
    // The server answers 200 without data; the `connected` event on the stream is what counts.
    let answer!: () => void;
    const slow = new Promise<void>((resolve) => (answer = resolve));
    const fetchStub = window.fetch;
    window.fetch = async (input, init) => {
      if (new Request(input, init).url.endsWith(WIDGET_PATHS.cloudApi)) await slow;
      return fetchStub(input, init);
    };
    try {
      await continueWithFacebook(widget);
      await waitForText(widget, 'Connecting your WhatsApp Business number…');
      assert.equal(buttonOf(widget).disabled, true, 'no second attempt while finishing');
      answer();
      server.send('connected', stamped(connected({ method: 'cloud-api', wabaId: WABA, phoneNumberId: PHONE_NUMBER_ID }), AFTER.connected));
      await waitForText(widget, 'WhatsApp connected');
    } finally {
      window.fetch = fetchStub;
    }
  });

  it('CANCEL at a step is shown with a retry, and the retry opens Meta again', async () => {
    const widget = await mountReady();
    await continueWithFacebook(widget, { event: 'CANCEL', cancelStep: 'PHONE_NUMBER_SETUP' });
    await waitForText(widget, 'Facebook signup was cancelled.');
    assert.includes(visibleText(widget), 'You left at the step PHONE_NUMBER_SETUP.');
    assert.equal(buttonOf(widget).textContent?.trim(), 'Try again');
    assert.equal(finishRequests().length, 0);
    server.replies.set(WIDGET_PATHS.cloudApi, connectedReply());
    await popupsClosed();
    await continueWithFacebook(widget, { event: 'FINISH' });
    await waitForText(widget, 'WhatsApp connected');
    assert.equal(finishRequests().length, 1);
  });

  const PROBLEMS: [what: string, scenario: Partial<FakeFbScenario>, texts: string[]][] = [
    ['CANCEL with an error', { event: 'CANCEL', errorMessage: 'Your business account is restricted.' }, ['Facebook signup was cancelled.', 'Your business account is restricted.']],
    ['ERROR', { event: 'ERROR', errorMessage: 'An unknown error occurred.' }, ['Facebook reported an error.', 'An unknown error occurred.']],
  ];
  for (const [what, scenario, texts] of PROBLEMS) {
    it(`${what}: Meta's message is shown as an alert, with a retry, nothing posted`, async () => {
      const widget = await mountReady();
      await continueWithFacebook(widget, scenario);
      for (const text of texts) await waitForText(widget, text);
      assert.includes(panelOf(widget).shadowRoot!.querySelector('[role=alert]')?.textContent, texts[1]!);
      assert.equal(buttonOf(widget).textContent?.trim(), 'Try again');
      assert.equal(finishRequests().length, 0);
    });
  }

  it('the popup closed without a code: cancelled, with a retry', async () => {
    const widget = await mountReady();
    // What Meta's SDK does when the user closes its window: the callback, no code, no message.
    window.FB!.login = (callback) => setTimeout(() => callback({ authResponse: null, status: 'unknown' }), 0);
    buttonOf(widget).click();
    await waitForText(widget, 'The Facebook window was closed before the end.');
    assert.equal(buttonOf(widget).textContent?.trim(), 'Try again');
    assert.equal(finishRequests().length, 0);
  });

  it('a 502 from the server shows a sentence for its code, and the retry starts a new login (never reuses the code)', async () => {
    const widget = await mountReady();
    server.replies.set(WIDGET_PATHS.cloudApi, { status: 502, body: { error: 'Invalid verification code format.', code: 'META_EXCHANGE_FAILED' } });
    await continueWithFacebook(widget);
    await waitForText(widget, 'Could not finish connecting the number.');
    assert.includes(visibleText(widget), 'Facebook did not confirm the WhatsApp Business account. Try again.');
    assert.ok(!visibleText(widget).includes('Invalid verification code format.'), 'the server message stays off screen');
    server.replies.set(WIDGET_PATHS.cloudApi, connectedReply());
    await popupsClosed();
    await continueWithFacebook(widget, { code: 'AQD-second-code' });
    await waitForText(widget, 'WhatsApp connected');
    assert.deepEqual(
      finishRequests().map((r) => (r.body as { code: string }).code),
      [CODE, 'AQD-second-code'],
    );
  });

  it('the SDK fails to load: a retry loads it and the button works', async () => {
    server.opening = [{ event: 'state', data: cloudState({ meta: meta({ sdkUrl: `${location.origin}/__titan/flaky-fb-sdk?key=${Math.random()}` }) }) }];
    const widget = await mountWidget();
    await waitForText(widget, 'Could not load Facebook.');
    assert.equal(buttonOf(widget).textContent?.trim(), 'Try again');
    buttonOf(widget).click();
    await waitFor(() => panelOf(widget).phase === 'ready', () => `ready (${visibleText(widget)})`);
    assert.equal(buttonOf(widget).textContent?.trim(), 'Continue with Facebook');
    assert.equal(window.__fakeFb?.calls.filter((c) => c.kind === 'init').length, 1);
  });

  it('no Meta app in cloud-api mode: a configuration error, no SDK fetched', async () => {
    server.opening = [{ event: 'state', data: cloudState({ meta: null }) }];
    const widget = await mountWidget();
    await waitForText(widget, 'Cloud API is not configured');
    assert.includes(panelOf(widget).shadowRoot!.querySelector('[role=alert]')?.textContent, 'META_APP_ID');
    assert.equal(buttonOf(widget), null, 'no dead button');
    assert.equal(document.querySelector('script[data-titan-fb-sdk]'), null);
  });

  const TRANSLATED: [locale: string, texts: string[]][] = [
    ['es', ['Conecta la plataforma de WhatsApp Business', 'Continuar con Facebook']],
    ['pt-BR', ['Conecte a plataforma do WhatsApp Business', 'Continuar com o Facebook']],
  ];
  for (const [locale, texts] of TRANSLATED) {
    it(`speaks ${locale}, Meta's CANCEL included`, async () => {
      const widget = await mountReady(cloudState({ locale }));
      for (const text of texts) await waitForText(widget, text);
      await continueWithFacebook(widget, { event: 'CANCEL', cancelStep: 'PHONE_NUMBER_SETUP' });
      await waitForText(widget, locale === 'es' ? 'Saliste en el paso PHONE_NUMBER_SETUP.' : 'Você saiu na etapa PHONE_NUMBER_SETUP.');
    });
  }

  it('mode all: the SDK loads only when the Cloud API tab opens, and the listener goes with the panel', async () => {
    const added: EventListenerOrEventListenerObject[] = [];
    const removed: EventListenerOrEventListenerObject[] = [];
    const { addEventListener, removeEventListener } = window;
    window.addEventListener = function (this: Window, type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions) {
      if (type === 'message') added.push(listener);
      addEventListener.call(this, type, listener, options);
    } as typeof window.addEventListener;
    window.removeEventListener = function (this: Window, type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions) {
      if (type === 'message') removed.push(listener);
      removeEventListener.call(this, type, listener, options);
    } as typeof window.removeEventListener;
    try {
      server.opening = [{ event: 'state', data: widgetState({ methods: ['qr', 'pairing', 'cloud-api'], meta: meta() }) }];
      const widget = await mountWidget();
      await waitForText(widget, 'Scan the QR code');
      assert.equal(document.querySelector('script[data-titan-fb-sdk]'), null, 'no SDK for QR users');
      widget.shadowRoot!.querySelector<HTMLButtonElement>('#tab-cloud-api')!.click();
      await waitFor(() => panelOf(widget)?.phase === 'ready', 'ready');
      assert.ok(document.querySelector(`script[data-titan-fb-sdk][src="${fake.sdkUrl}"]`));
      const panelListener = added.at(-1)!;
      widget.shadowRoot!.querySelector<HTMLButtonElement>('#tab-qr')!.click();
      await waitFor(() => !panelOf(widget), 'the panel gone');
      assert.ok(removed.includes(panelListener), 'message listener removed on disconnect');
    } finally {
      window.addEventListener = addEventListener;
      window.removeEventListener = removeEventListener;
    }
  });
});
