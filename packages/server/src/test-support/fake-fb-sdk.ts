// A fake of Meta's FB JS SDK for browser tests, served on its own loopback origin (the server
// takes it from `META_SDK_URL`). It plays Embedded Signup the way Meta does: `FB.login` opens a
// popup from the SDK's origin, which posts `WA_EMBEDDED_SIGNUP` to its opener (as a JSON string,
// like Meta, or as an object) before or after the login callback fires; plus CANCEL and ERROR.
// It also checks the caller: `FB.init` first, `config_id`, `response_type: 'code'`,
// `override_default_response_type: true`, `extras.setup`, and a user gesture for the popup.
//
// Scripting, later wins: `startFakeFbSdk({ scenario })` / `setScenario()` (Node side),
// `POST <origin>/__scenario` (JSON, CORS open), the script URL's query (`sdk.js?event=CANCEL`),
// and `window.__FAKE_FB_SCENARIO__` in the page at `FB.login` time.
// What the page did is kept in `window.__fakeFb.calls` and at `GET <origin>/__calls`.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeSignupEvent = 'FINISH' | 'FINISH_ONLY_WABA' | 'FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING' | 'CANCEL' | 'ERROR';

export interface FakeFbScenario {
  event: FakeSignupEvent;
  /** Whether the `WA_EMBEDDED_SIGNUP` message or the login callback comes first. */
  order: 'message-first' | 'callback-first';
  /** Meta posts a JSON string; `object` posts the object itself. */
  encoding: 'json-string' | 'object';
  /** `popup` like Meta; `iframe` posts from a hidden frame of the SDK origin instead. */
  transport: 'popup' | 'iframe';
  /** Milliseconds between the two messages. */
  delayMs: number;
  /** The login code the callback returns (FINISH events). */
  code: string;
  wabaId: string;
  /** Null omits `phone_number_id` from the finish data. */
  phoneNumberId: string | null;
  businessId: string;
  /** CANCEL: the step the user left at (`current_step`), unless `errorMessage` is set. */
  cancelStep: string;
  /** CANCEL with an error, or ERROR: Meta's `error_message`. */
  errorMessage: string | null;
  /** Posts unrelated messages first (a non-JSON string, another `type`), as real pages get. */
  noise: boolean;
  /** Refuse `FB.login` outside a click (Meta's popup would be blocked). */
  requireUserGesture: boolean;
  /** When set, `FB.init` / `FB.login` must use these (BYOA checks). */
  expectAppId: string | null;
  expectConfigId: string | null;
}

export const DEFAULT_FB_SCENARIO: FakeFbScenario = {
  event: 'FINISH',
  order: 'message-first',
  encoding: 'json-string',
  transport: 'popup',
  delayMs: 30,
  code: 'AQD-login-code-7c2e',
  wabaId: '102290129340398',
  phoneNumberId: '106540352242922',
  businessId: '2729063490586005',
  cancelStep: 'PHONE_NUMBER_SETUP',
  errorMessage: null,
  noise: false,
  requireUserGesture: true,
  expectAppId: null,
  expectConfigId: null,
};

/** One thing the page did, as the fake saw it. */
export interface FakeFbCall {
  kind: 'init' | 'login' | 'refused';
  args: unknown;
}

export interface FakeFbSdk {
  /** For `META_SDK_URL`. */
  sdkUrl: string;
  origin: string;
  calls: FakeFbCall[];
  setScenario(scenario: Partial<FakeFbScenario>): void;
  close(): Promise<void>;
}

const SCENARIO_KEYS = Object.keys(DEFAULT_FB_SCENARIO) as (keyof FakeFbScenario)[];

/** Query strings carry text: convert to the default's type, ignore unknown keys. */
export function scenarioFromQuery(query: URLSearchParams): Partial<FakeFbScenario> {
  const out: Record<string, unknown> = {};
  for (const key of SCENARIO_KEYS) {
    const raw = query.get(key);
    if (raw === null) continue;
    const model = DEFAULT_FB_SCENARIO[key];
    out[key] = typeof model === 'number' ? Number(raw) : typeof model === 'boolean' ? raw === 'true' : raw === 'null' ? null : raw;
  }
  return out as Partial<FakeFbScenario>;
}

// Runs in the page. `__SCENARIO__` and `__ORIGIN__` are replaced when served.
const SDK_SOURCE = String.raw`(() => {
  const ORIGIN = __ORIGIN__;
  const served = __SCENARIO__;
  const state = (window.__fakeFb = window.__fakeFb || { calls: [], initOptions: null });
  const record = (kind, args) => {
    state.calls.push({ kind, args });
    try { navigator.sendBeacon(ORIGIN + '/__calls', JSON.stringify({ kind, args })); } catch {}
  };
  const refuse = (callback, reason) => {
    record('refused', { reason });
    console.error('[fake FB SDK] ' + reason);
    setTimeout(() => callback({ authResponse: null, status: 'unknown' }), 0);
  };
  let nonce = 0;
  const FB = {
    init(options) {
      record('init', options);
      state.initOptions = options || null;
    },
    getLoginStatus(callback) { setTimeout(() => callback({ authResponse: null, status: 'unknown' }), 0); },
    login(callback, options) {
      const s = Object.assign({}, served, window.__FAKE_FB_SCENARIO__ || {});
      record('login', options);
      if (typeof callback !== 'function') throw new Error('FB.login needs a callback');
      const init = state.initOptions;
      if (!init || !init.appId) return refuse(callback, 'FB.login() called before FB.init({ appId }).');
      if (s.expectAppId && String(init.appId) !== s.expectAppId) return refuse(callback, 'FB.init appId ' + init.appId + ' is not ' + s.expectAppId + '.');
      const o = options || {};
      if (!o.config_id) return refuse(callback, 'FB.login without config_id.');
      if (s.expectConfigId && String(o.config_id) !== s.expectConfigId) return refuse(callback, 'config_id ' + o.config_id + ' is not ' + s.expectConfigId + '.');
      if (o.response_type !== 'code') return refuse(callback, "FB.login needs response_type: 'code'.");
      if (o.override_default_response_type !== true) return refuse(callback, 'FB.login needs override_default_response_type: true.');
      if (!o.extras || typeof o.extras.setup !== 'object') return refuse(callback, 'FB.login needs extras: { setup: {} }.');
      if (s.requireUserGesture && navigator.userActivation && !navigator.userActivation.isActive) {
        return refuse(callback, 'Popup blocked: FB.login must be called in the click handler itself.');
      }
      const id = 'fake-' + Date.now() + '-' + nonce++;
      const url = ORIGIN + '/popup.html#' + encodeURIComponent(JSON.stringify({ id, scenario: s }));
      let frame = null;
      const onMessage = (event) => {
        if (event.origin !== ORIGIN || !event.data || event.data.id !== id) return;
        // A hidden frame goes once it says it has posted everything: removed on a timer, a frame
        // whose own timer ran late (another process, a busy machine) lost its second message.
        if (event.data.type === 'FAKE_FB_LOGIN_DONE') {
          window.removeEventListener('message', onMessage);
          if (frame) frame.remove();
          return;
        }
        if (event.data.type !== 'FAKE_FB_LOGIN_RESULT') return;
        if (!frame) window.removeEventListener('message', onMessage);
        callback(event.data.response);
      };
      window.addEventListener('message', onMessage);
      if (s.transport === 'iframe') {
        frame = document.createElement('iframe');
        frame.style.display = 'none';
        frame.src = url;
        document.body.appendChild(frame);
      } else if (!window.open(url, 'fb-embedded-signup', 'width=600,height=700')) {
        window.removeEventListener('message', onMessage);
        return refuse(callback, 'Popup blocked by the browser.');
      }
    },
  };
  window.FB = FB;
  if (typeof window.fbAsyncInit === 'function') setTimeout(() => window.fbAsyncInit(), 0);
})();
`;

// The popup (or frame) page on the SDK origin: posts the signup message and the login result.
const POPUP_HTML = String.raw`<!doctype html><meta charset="utf-8"><title>Fake Embedded Signup</title>
<p>Fake Meta Embedded Signup</p>
<script>
  const { id, scenario: s } = JSON.parse(decodeURIComponent(location.hash.slice(1)));
  const target = window.opener || window.parent;
  const finished = s.event.startsWith('FINISH');
  const data = finished
    ? Object.assign({ waba_id: s.wabaId, business_id: s.businessId },
        s.event !== 'FINISH_ONLY_WABA' && s.phoneNumberId ? { phone_number_id: s.phoneNumberId } : {})
    : s.event === 'CANCEL' && !s.errorMessage
      ? { current_step: s.cancelStep }
      : { error_message: s.errorMessage || 'An unknown error occurred.', error_id: '524126', session_id: 'f34b51dab5e0498', timestamp: String(Math.floor(Date.now() / 1000)) };
  const signup = { data, type: 'WA_EMBEDDED_SIGNUP', event: s.event, version: '3' };
  const response = finished
    ? { authResponse: { code: s.code, userID: '', expiresIn: 0, accessToken: null, signedRequest: null, graphDomain: 'facebook' }, status: 'connected' }
    : { authResponse: null, status: 'unknown' };
  const postSignup = () => target.postMessage(s.encoding === 'object' ? signup : JSON.stringify(signup), '*');
  const postLogin = () => target.postMessage({ type: 'FAKE_FB_LOGIN_RESULT', id, response }, '*');
  if (s.noise) {
    target.postMessage('not json {', '*');
    target.postMessage(JSON.stringify({ type: 'SOME_OTHER_SDK_MESSAGE', event: 'FINISH' }), '*');
  }
  const [first, second] = s.order === 'callback-first' ? [postLogin, postSignup] : [postSignup, postLogin];
  first();
  setTimeout(() => {
    second();
    if (window.opener) setTimeout(() => window.close(), 20);
    else target.postMessage({ type: 'FAKE_FB_LOGIN_DONE', id }, '*');
  }, s.delayMs);
</script>`;

const CORS = { 'access-control-allow-origin': '*', 'access-control-allow-headers': 'content-type', 'access-control-allow-methods': 'GET, POST' };

const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

export async function startFakeFbSdk(options: { scenario?: Partial<FakeFbScenario> } = {}): Promise<FakeFbSdk> {
  let scenario: FakeFbScenario = { ...DEFAULT_FB_SCENARIO, ...options.scenario };
  const calls: FakeFbCall[] = [];
  let origin = '';

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', origin);
    const send = (status: number, type: string, body: string): void => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...CORS }).end(body);
    };
    if (req.method === 'OPTIONS') return void res.writeHead(204, CORS).end();
    if (url.pathname === '/sdk.js') {
      const served = { ...scenario, ...scenarioFromQuery(url.searchParams) };
      const source = SDK_SOURCE.replace('__ORIGIN__', JSON.stringify(origin)).replace('__SCENARIO__', JSON.stringify(served));
      return send(200, 'text/javascript; charset=utf-8', source);
    }
    if (url.pathname === '/popup.html') return send(200, 'text/html; charset=utf-8', POPUP_HTML);
    if (url.pathname === '/__calls' && req.method === 'POST') {
      try {
        calls.push(JSON.parse(await readBody(req)) as FakeFbCall);
      } catch {
        return send(400, 'text/plain', 'not JSON');
      }
      return send(204, 'text/plain', '');
    }
    if (url.pathname === '/__calls') return send(200, 'application/json', JSON.stringify(calls));
    if (url.pathname === '/__scenario' && req.method === 'POST') {
      try {
        scenario = { ...DEFAULT_FB_SCENARIO, ...(JSON.parse(await readBody(req)) as Partial<FakeFbScenario>) };
      } catch {
        return send(400, 'text/plain', 'not JSON');
      }
      return send(200, 'application/json', JSON.stringify(scenario));
    }
    if (url.pathname === '/__scenario') return send(200, 'application/json', JSON.stringify(scenario));
    send(404, 'text/plain', 'not found');
  };

  const server = createServer((req, res) => void handle(req, res).catch(() => res.writeHead(500).end()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    sdkUrl: `${origin}/sdk.js`,
    origin,
    calls,
    setScenario(next) {
      scenario = { ...DEFAULT_FB_SCENARIO, ...next };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
