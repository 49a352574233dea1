// The end-to-end harness: the real Titan Connect server (in this process, on `localhost`), the
// example backend (on `127.0.0.1`, so host page and widget have different origins, as in
// production) and the system Chromium. `startE2e()` returns one object whose `close()` stops
// all three; call it from `after()` so it runs even when a test fails.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Frame, type FrameLocator, type Page } from 'playwright-core';
import type { WhatsAppSessionInfo, WidgetSessionResult, WidgetState } from '../../packages/protocol/src/index.ts';
import { startServer, type RunningServer } from '../../packages/server/src/main.ts';
// @ts-expect-error plain JS example, no declarations
import { CHROMIUM_ARGS, findChromium } from '../../scripts/chromium.mjs';
// @ts-expect-error plain JS example, no declarations
import { createExampleBackend } from '../backend/app.mjs';

export const API_KEY = 'titan_sk_e2etests_0123456789abcdefghijklmnopqrstuv';
/** Known to the tests so they can sign an expired token the way the server would. */
export const SECRET = 'e2e-secret-0123456789-abcdefghijklmnopqrstuv';
/** Every wait in the browser: long enough for a loaded 2-core machine, short enough to fail fast. */
const WAIT_MS = 15_000;

export interface E2e {
  /** Titan Connect, e.g. `http://localhost:41234`. */
  titanUrl: string;
  /** The example backend, e.g. `http://127.0.0.1:41235`: the host pages' origin. */
  backendUrl: string;
  browser: Browser;
  /** A fresh browser context (no shared storage) and its page. */
  newPage(): Promise<{ context: BrowserContext; page: Page }>;
  /**
   * Closes every context opened since the last call (ending their widgets' SSE streams) and
   * returns the uncaught script errors their pages had: for `afterEach`.
   */
  closePages(): Promise<string[]>;
  /** `GET /api/sessions/:name` with the API key. */
  sessionInfo(name: string): Promise<WhatsAppSessionInfo>;
  /**
   * A callback's query as a backend must read it: `widgetSession` confirmed with
   * `GET /api/widget/sessions/:id` (connected, same session and method), then left out.
   */
  verifiedCallback(query: Record<string, string>): Promise<Record<string, string>>;
  /** The virtual phone: `POST /dev/simulator/scan` or `/enter-code`; throws on a non-2xx answer. */
  phone(action: 'scan', body: { qr: string }): Promise<void>;
  phone(action: 'enter-code', body: { code: string }): Promise<void>;
  /** `GET /widget/api/state` with a widget token. */
  widgetState(widgetToken: string): Promise<WidgetState>;
  close(): Promise<void>;
}

const listen = (server: Server, host: string) =>
  new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve((server.address() as AddressInfo).port));
  });

/** The bundles the pages load: without them every wait below would only time out. */
const BUILT = ['../../packages/widget/dist/page.js', '../../packages/loader/dist/loader.js', '../../packages/loader/dist/pure.js'];

export interface E2eOptions {
  engine?: 'simulator' | 'emulated';
  /** Extra server environment, e.g. `META_*` pointing at the fake Graph API and FB SDK. */
  env?: Record<string, string>;
}

export async function startE2e({ engine = 'simulator', env = {} }: E2eOptions = {}): Promise<E2e> {
  const missing = BUILT.filter((file) => !existsSync(new URL(file, import.meta.url)));
  if (missing.length > 0) throw new Error(`${missing.join(', ')} missing: run \`pnpm build\` first`);
  const dir = mkdtempSync(join(tmpdir(), 'titan-e2e-'));
  // Everything started so far, stopped in reverse by `close()` (also when start-up fails half way).
  const stops: (() => Promise<unknown> | unknown)[] = [() => rmSync(dir, { recursive: true, force: true })];
  const close = async () => {
    for (const stop of stops.reverse()) await Promise.resolve(stop()).catch(() => {});
    stops.length = 0;
  };
  try {
    const titan: RunningServer = await startServer({
      PORT: '0',
      TITAN_DB: join(dir, 'titan.db'),
      TITAN_ENGINE: engine,
      TITAN_SECRET: SECRET,
      TITAN_BOOTSTRAP_API_KEY: API_KEY,
      TITAN_DEMO: '0',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
      ...env,
    });
    stops.push(() => titan.close());
    const titanUrl = titan.config.publicUrl; // http://localhost:<port>

    // The backend must know its public URL (it registers it as the allowed origin), so listen
    // first and attach the app once the port is known.
    const backendServer = createServer();
    const backendPort = await listen(backendServer, '127.0.0.1');
    stops.push(() => new Promise((resolve) => (backendServer.closeAllConnections(), backendServer.close(resolve))));
    const backendUrl = `http://127.0.0.1:${backendPort}`;
    backendServer.on('request', createExampleBackend({ titanUrl, apiKey: API_KEY, publicUrl: backendUrl }));

    const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS, headless: true });
    stops.push(() => browser.close());

    const api = async (path: string, init: RequestInit = {}) => {
      const response = await fetch(new URL(path, titanUrl), init);
      const body = (await response.json()) as { data?: unknown; error?: string };
      assert.ok(response.ok, `${init.method ?? 'GET'} ${path}: ${response.status} ${body.error ?? ''}`);
      return body.data;
    };
    const contexts: BrowserContext[] = [];
    const pageErrors: string[] = [];
    return {
      titanUrl,
      backendUrl,
      browser,
      async newPage() {
        const context = await browser.newContext();
        contexts.push(context);
        context.setDefaultTimeout(WAIT_MS);
        const page = await context.newPage();
        page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
        return { context, page };
      },
      async closePages() {
        await Promise.all(contexts.splice(0).map((context) => context.close()));
        return pageErrors.splice(0);
      },
      sessionInfo: async (name) =>
        (await api(`/api/sessions/${encodeURIComponent(name)}`, { headers: { Authorization: `Bearer ${API_KEY}` } })) as WhatsAppSessionInfo,
      verifiedCallback: async ({ widgetSession, ...rest }) => {
        const result = (await api(`/api/widget/sessions/${encodeURIComponent(widgetSession ?? 'none')}`, { headers: { Authorization: `Bearer ${API_KEY}` } })) as WidgetSessionResult;
        if (result.status !== 'connected' || result.session !== rest.session || result.method !== rest.method) {
          throw new Error(`the callback does not match its widget session: ${JSON.stringify({ rest, result })}`);
        }
        return rest;
      },
      phone: async (action: string, body: object) => {
        await api(`/dev/simulator/${action}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      },
      widgetState: async (widgetToken) => (await api('/widget/api/state', { headers: { Authorization: `Bearer ${widgetToken}` } })) as WidgetState,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The widget iframe of a host page (there is one per example page). */
export const widgetFrame = (page: Page, selector = 'iframe'): FrameLocator => page.frameLocator(selector).first();

/** The token in the widget iframe's `src`. */
export async function widgetTokenOf(page: Page, selector = 'iframe'): Promise<string> {
  const src = await page.locator(selector).first().getAttribute('src');
  const token = src && new URL(src).searchParams.get('token');
  assert.ok(token, `no widget token in the iframe src ${src}`);
  return token;
}

/**
 * Waits for the QR drawn inside the widget (Playwright's CSS pierces the open shadow roots), then
 * scans the QR that is on screen right now with the virtual phone. Returns the session name.
 */
export async function scanQrShown(e2e: E2e, page: Page): Promise<string> {
  await widgetFrame(page).locator('titan-qr-panel svg').first().waitFor();
  const state = await e2e.widgetState(await widgetTokenOf(page));
  assert.ok(state.qr, 'the widget shows a QR, so the state has one');
  await e2e.phone('scan', { qr: state.qr.qr });
  return state.session;
}

/**
 * The phone-number path as a user does it: the phone tab, a number, "Get pairing code"; then
 * the virtual phone types the code read from the widget. Returns the session name.
 */
export async function linkWithPairingCode(e2e: E2e, page: Page, phoneNumber = '+55 11 91234-5678'): Promise<string> {
  const widget = widgetFrame(page);
  await widget.locator('#tab-pairing').click();
  await widget.locator('titan-pairing-panel input#phone').fill(phoneNumber);
  await widget.locator('titan-pairing-panel button[type=submit]').click();
  const shown = (await widget.locator('titan-pairing-panel [part=code]').textContent())?.trim() ?? '';
  assert.match(shown, /^[A-Z0-9]{4}-[A-Z0-9]{4}$/, 'the code is shown as XXXX-XXXX');
  // Before linking: with a callbackUrl the page is gone right after.
  const { session } = await e2e.widgetState(await widgetTokenOf(page));
  await e2e.phone('enter-code', { code: shown });
  return session;
}

/**
 * Resolves once the host page recorded a `connected` message in `window.titanEvents` (each
 * example records what it receives) and returns every recorded message. A string, not a
 * function: tsx would wrap a function in helpers the page lacks.
 */
export async function hostMessagesAfterConnect(page: Page): Promise<Record<string, unknown>[]> {
  await page.waitForFunction(`(window.titanEvents ?? []).some((m) => m.event === 'connected')`);
  return (await page.evaluate('JSON.parse(JSON.stringify(window.titanEvents))')) as Record<string, unknown>[];
}

/**
 * The iframe follows the widget's `resize` messages: its height is the last one reported, and
 * the widget page inside has no vertical overflow (no inner scrollbar). For host pages that
 * record every message (`window.titanEvents`).
 */
export async function assertIframeFollowsResize(page: Page): Promise<void> {
  const widget = page.frames().find((f) => f.url().includes('/widget/connect?token='));
  assert.ok(widget, 'the widget frame');
  // Polled: the widget may still be settling (a resize in flight) when this starts. A function,
  // not a string: Playwright polls a string with eval, which the widget page's CSP refuses.
  await widget.waitForFunction(() => document.documentElement.scrollHeight <= innerHeight);
  await page.waitForFunction(`(() => {
    const resizes = (window.titanEvents ?? []).filter((m) => m.event === 'resize');
    const frame = document.querySelector('iframe');
    return resizes.length > 0 && Math.round(frame.getBoundingClientRect().height) === resizes.at(-1).height;
  })()`);
}

/** How many `message` listeners the page's window has, from the DevTools protocol (not guessed). */
export async function messageListenerCount(context: BrowserContext, page: Page): Promise<number> {
  const cdp = await context.newCDPSession(page);
  try {
    const { result } = await cdp.send('Runtime.evaluate', { expression: 'window' });
    const { listeners } = await cdp.send('DOMDebugger.getEventListeners', { objectId: result.objectId! });
    return listeners.filter((listener) => listener.type === 'message').length;
  } finally {
    await cdp.detach();
  }
}

/** The frame whose URL is exactly `url`, once it has navigated there. */
export async function frameAt(page: Page, url: string): Promise<Frame> {
  for (;;) {
    // Listen before looking, so a navigation between the two is not missed.
    const navigated = page.waitForEvent('framenavigated');
    const frame = page.frames().find((f) => f.url() === url);
    if (frame) {
      navigated.catch(() => {}); // settles when the context closes; nobody waits for it
      return frame;
    }
    await navigated;
  }
}

const FORGED = { type: 'titan:widget', version: 1, event: 'connected', session: 'forged', method: 'qr', phone: '15550000000' };

/**
 * Posts a well-formed `connected` message to the host page from three places that are not its
 * widget: the host page itself, a frame on a third origin, and a second frame on the widget's
 * own origin (right origin, wrong window). Resolves once a raw listener of the host page saw all
 * three, so "ignored" is not confused with "not delivered yet".
 */
export async function forgeConnectedMessages(e2e: E2e, page: Page): Promise<void> {
  const forged = JSON.stringify(FORGED);
  await page.evaluate(`window.seenForged = 0;
    addEventListener('message', (event) => { if (event.data && event.data.session === 'forged') window.seenForged++; });`);
  await page.evaluate(`postMessage(${forged}, '*')`);
  // Playwright answers for this host, so the browser sees a real third origin without DNS.
  await page.route('http://evil.test/**', (route) =>
    route.fulfill({ contentType: 'text/html', body: `<script>parent.postMessage(${forged}, '*')</script>` }),
  );
  await page.evaluate(`document.body.append(Object.assign(document.createElement('iframe'), { src: 'http://evil.test/forge.html' }))`);
  // Titan's 401 page runs no script of its own; the DevTools protocol runs ours in it anyway.
  const sameOrigin = `${e2e.titanUrl}/widget/connect`;
  await page.evaluate(`document.body.append(Object.assign(document.createElement('iframe'), { src: ${JSON.stringify(sameOrigin)} }))`);
  const frame = await frameAt(page, sameOrigin);
  await frame.waitForLoadState();
  await frame.evaluate(`parent.postMessage(${forged}, '*')`);
  await page.waitForFunction('window.seenForged === 3');
}

/**
 * The `status` messages the host page recorded in `window.titanEvents`, as `STATUS/REASON`
 * (for pages that record every message: the SPA and the plain iframe).
 */
export async function hostStatuses(page: Page): Promise<string[]> {
  const messages = (await page.evaluate(`JSON.parse(JSON.stringify(window.titanEvents.filter((m) => m.event === 'status')))`)) as {
    status: string;
    statusReason: string | null;
  }[];
  return messages.map((m) => `${m.status}/${m.statusReason}`);
}

/** Waits until the host page recorded a message named `event` (`connected`, `error`, `expired`). */
export async function hostHeard(page: Page, event: string): Promise<void> {
  await page.waitForFunction(`(window.titanEvents ?? []).some((m) => m.event === ${JSON.stringify(event)})`);
}

/**
 * Waits until the widget itself has received QR number `attempt`, so every earlier rotation was
 * applied (read from the element's `state` inside the widget frame).
 */
export async function widgetSawQr(page: Page, attempt: number, timeout = WAIT_MS): Promise<void> {
  await widgetFrame(page).locator('titan-connect-widget').waitFor({ state: 'attached' });
  const frame = page.frames().find((f) => f.url().includes('/widget/connect?token='));
  assert.ok(frame, 'the widget frame');
  // A function, not a string: the widget page's CSP refuses eval.
  await frame.waitForFunction(
    (n) => ((document.querySelector('titan-connect-widget') as unknown as { state?: { qr?: { attempt: number } } })?.state?.qr?.attempt ?? 0) >= n,
    attempt,
    { timeout },
  );
}
