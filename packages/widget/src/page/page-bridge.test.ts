import { hostMessage, widgetMessage, type WidgetMessage } from '@titan-connect/protocol';
import { assert } from '../test/assert.js';
import { waitFor, waitForText } from '../test/dom.js';
import { FakeWidgetServer } from '../test/fake-server.js';
import { AFTER, connected, pairingCode, qr, stamped, widgetState } from '../test/fixtures.js';
import { bridgePage, type PageBridge, type PageWindow } from './page-bridge.js';

/**
 * A stand-in window: `framed` gives it a parent that records postMessage calls. `hello(origin)`
 * delivers the loader's handshake as the browser would, with `origin` as the sender's origin
 * (`fromParent: false`: from some other window, e.g. a sibling frame).
 */
function fakeWindow(framed: boolean) {
  const posted: [WidgetMessage, string][] = [];
  const navigated: string[] = [];
  const listeners = new Set<(event: MessageEvent) => void>();
  const win: PageWindow = {
    parent: null as unknown as PageWindow['parent'],
    location: { assign: (url: string) => void navigated.push(url) },
    addEventListener: (_type, listener) => void listeners.add(listener),
    removeEventListener: (_type, listener) => void listeners.delete(listener),
  };
  win.parent = framed ? { postMessage: (m, o) => void posted.push([m, o]) } : (win as never);
  const hello = (origin: string, fromParent = true) => {
    const event = { source: fromParent ? win.parent : {}, origin, data: hostMessage() } as unknown as MessageEvent;
    for (const listener of listeners) listener(event);
  };
  return { win, posted, navigated, hello, listeners };
}

describe('bridgePage (the hosted page and its parent)', () => {
  let server: FakeWidgetServer;
  let bridge: PageBridge | undefined;
  beforeEach(() => {
    server = new FakeWidgetServer().install();
  });
  afterEach(() => {
    bridge?.disconnect();
    document.querySelectorAll('titan-connect-widget').forEach((el) => el.remove());
    server.restore();
  });

  it('framed: posts ready, resize, status, connected (with redirectUrl) to the session target origin', async () => {
    server.opening = [{ event: 'state', data: widgetState({ messageTargetOrigin: 'https://app.example.com', allowedOrigins: ['https://app.example.com'] }) }];
    const { win, posted, navigated } = fakeWindow(true);
    const widget = document.createElement('titan-connect-widget');
    widget.widgetUrl = `${location.origin}/widget/connect?token=t`;
    bridge = bridgePage(widget, win);
    document.body.append(widget);
    await waitFor(() => posted.some(([m]) => m.event === 'resize'), 'first resize');
    const events = () => posted.map(([m]) => m.event);
    assert.deepEqual(events().slice(0, 3), ['ready', 'resize', 'status']);
    assert.ok(posted.every(([, origin]) => origin === 'https://app.example.com'), 'target origin');
    assert.deepEqual(posted[0]![0], widgetMessage('ready', 'shop-42', { mode: 'all' }));
    const redirectUrl = 'https://app.example.com/done?session=shop-42&status=connected&method=qr';
    server.send('connected', stamped(connected({ redirectUrl }), AFTER.connected));
    const message = await waitFor(() => posted.find(([m]) => m.event === 'connected')?.[0], 'connected message');
    assert.deepEqual(message, widgetMessage('connected', 'shop-42', { method: 'qr', phone: '5511912345678', pushName: 'Ana', redirectUrl }));
    assert.deepEqual(navigated, [], 'framed pages leave navigation to the loader');
  });

  it('framed: posts resize whenever the height changes, with the whole page height', async () => {
    server.opening = [{ event: 'state', data: widgetState() }];
    const { win, posted } = fakeWindow(true);
    const widget = document.createElement('titan-connect-widget');
    widget.widgetUrl = `${location.origin}/widget/connect?token=t`;
    bridge = bridgePage(widget, win);
    document.body.append(widget);
    const lastHeight = () => (posted.filter(([m]) => m.event === 'resize').at(-1)?.[0] as { height: number } | undefined)?.height;
    // The page is the widget plus the body's 8 px margins above and below.
    const pageHeight = () => Math.ceil(widget.getBoundingClientRect().height + 16);
    await waitForText(widget, 'Scan the QR code');
    await waitFor(() => lastHeight() === pageHeight(), () => `QR height ${lastHeight()} vs ${pageHeight()}`);
    const qrHeight = lastHeight();
    server.send('connected', stamped(connected(), AFTER.connected));
    await waitForText(widget, 'WhatsApp connected');
    await waitFor(() => lastHeight() === pageHeight(), () => `connected height ${lastHeight()} vs ${pageHeight()}`);
    assert.ok(lastHeight() !== qrHeight, 'the success screen has another height');
    const resizes = posted.filter(([m]) => m.event === 'resize').map(([m]) => (m as { height: number }).height);
    assert.ok(resizes.every((h, i) => i === 0 || h !== resizes[i - 1]), `no repeated heights: ${resizes}`);
  });

  it('framed: posts error and expired', async () => {
    server.opening = [{ event: 'state', data: widgetState() }];
    const { win, posted } = fakeWindow(true);
    const widget = document.createElement('titan-connect-widget');
    widget.widgetUrl = `${location.origin}/widget/connect?token=t`;
    bridge = bridgePage(widget, win);
    document.body.append(widget);
    await waitFor(() => posted.length > 0, 'ready');
    server.send('expired', stamped({ reason: 'QR_TIMEOUT' as const }, AFTER.qrTimeout));
    server.send('failed', stamped({ code: 'WA_UNREACHABLE' as const, message: 'Could not reach WhatsApp servers', retryable: true }, AFTER.failed));
    await waitFor(() => posted.some(([m]) => m.event === 'error'), 'error message');
    assert.deepEqual(posted.find(([m]) => m.event === 'expired')![0], widgetMessage('expired', 'shop-42', { reason: 'QR_TIMEOUT' }));
    assert.deepEqual(
      posted.find(([m]) => m.event === 'error')![0],
      widgetMessage('error', 'shop-42', { code: 'WA_UNREACHABLE', message: 'Could not reach WhatsApp servers', retryable: true }),
    );
  });

  it('framed: one status message per real change, none for QR rotations under a pairing code', async () => {
    server.opening = [{ event: 'state', data: widgetState() }];
    const { win, posted } = fakeWindow(true);
    const widget = document.createElement('titan-connect-widget');
    widget.widgetUrl = `${location.origin}/widget/connect?token=t`;
    bridge = bridgePage(widget, win);
    document.body.append(widget);
    await waitForText(widget, 'Scan the QR code');
    server.send('pairing_code', stamped(pairingCode(), AFTER.pairing));
    for (const attempt of [2, 3, 4]) server.send('qr', stamped(qr({ attempt }), AFTER.pairing));
    server.send('connected', stamped(connected({ method: 'pairing' }), AFTER.connected));
    await waitFor(() => posted.some(([m]) => m.event === 'connected'), 'connected message');
    const statuses = posted.filter(([m]) => m.event === 'status').map(([m]) => m as WidgetMessage & { status: string; statusReason: string | null });
    assert.deepEqual(
      statuses.map((m) => `${m.status}/${m.statusReason}`),
      ['CONNECTING/SCAN_QR', 'CONNECTING/PAIRING_CODE', 'CONNECTED/null'],
    );
  });

  const TOP_LEVEL: [string, boolean, string[]][] = [
    ['navigates to redirectUrl', false, ['https://app.example.com/done']],
    ['stays when titan-connected is prevented', true, []],
  ];
  for (const [name, prevent, expected] of TOP_LEVEL) {
    it(`top level: ${name}, posts nothing`, async () => {
      server.opening = [{ event: 'state', data: widgetState() }];
      const { win, posted, navigated } = fakeWindow(false);
      const widget = document.createElement('titan-connect-widget');
      widget.widgetUrl = `${location.origin}/widget/connect?token=t`;
      if (prevent) widget.addEventListener('titan-connected', (e) => e.preventDefault());
      bridge = bridgePage(widget, win);
      document.body.append(widget);
      await waitForText(widget, 'Scan the QR code');
      server.send('connected', stamped(connected({ redirectUrl: 'https://app.example.com/done' }), AFTER.connected));
      await waitForText(widget, 'WhatsApp connected');
      assert.deepEqual(navigated, expected);
      assert.deepEqual(posted, []);
    });
  }

  // The handshake: where `connected` goes and whether it carries the phone number. `hello`: the
  // origin of the loader's hello and whether it came from the parent (null: no hello at all).
  const APP = 'https://app.example.com';
  const ADMIN = 'https://admin.example.com';
  const HANDSHAKE: [string, string[], [string, boolean] | null, string, boolean][] = [
    ['verified parent among several allowed origins: its origin, with the phone', [APP, ADMIN], [ADMIN, true], ADMIN, true],
    ['hello from an origin not allowed: *, no phone', [APP, ADMIN], ['https://evil.example', true], '*', false],
    ['hello from a window that is not the parent: ignored, *, no phone', [APP, ADMIN], [APP, false], '*', false],
    ['no hello, several allowed origins: *, no phone (after the wait)', [APP, ADMIN], null, '*', false],
    ['no allowedOrigins: nothing to verify against, *, no phone', [], [APP, true], '*', false],
    ['one allowed origin, no hello: that origin (the browser enforces it), with the phone', [APP], null, APP, true],
    ['one allowed origin, hello from another: still that origin, with the phone', [APP], ['https://evil.example', true], APP, true],
  ];
  for (const [name, allowedOrigins, hello, target, withPhone] of HANDSHAKE)
    it(`handshake: ${name}`, async () => {
      const messageTargetOrigin = allowedOrigins.length === 1 ? allowedOrigins[0]! : '*';
      server.opening = [{ event: 'state', data: widgetState({ allowedOrigins, messageTargetOrigin }) }];
      const fake = fakeWindow(true);
      const widget = document.createElement('titan-connect-widget');
      widget.widgetUrl = `${location.origin}/widget/connect?token=t`;
      bridge = bridgePage(widget, fake.win);
      document.body.append(widget);
      await waitFor(() => fake.posted.some(([m]) => m.event === 'ready'), 'ready');
      if (hello) fake.hello(...hello);
      server.send('connected', stamped(connected(), AFTER.connected));
      const sent = await waitFor(() => fake.posted.find(([m]) => m.event === 'connected'), 'connected message'); // waitFor's 3 s outlast HANDSHAKE_WAIT_MS
      const [message, origin] = sent as [WidgetMessage & { method: string; phone: string | null; pushName: string | null }, string];
      assert.equal(origin, target, 'target origin');
      assert.deepEqual([message.phone, message.pushName], withPhone ? ['5511912345678', 'Ana'] : [null, null], 'phone and pushName');
      assert.equal(message.method, 'qr', 'the rest of the message is there');
    });

  it('handshake: a connected state waits for the hello that comes right after ready', async () => {
    // An already linked session: the first state is `connected`, so the page has it before the
    // loader could answer `ready`. It must wait for the hello, not go out phone-less at once.
    server.opening = [{ event: 'state', data: widgetState({ allowedOrigins: [APP, ADMIN], phase: 'connected', status: 'CONNECTED', statusReason: null, qr: null, connected: connected() }) }];
    const fake = fakeWindow(true);
    const widget = document.createElement('titan-connect-widget');
    widget.widgetUrl = `${location.origin}/widget/connect?token=t`;
    bridge = bridgePage(widget, fake.win);
    document.body.append(widget);
    await waitFor(() => fake.posted.some(([m]) => m.event === 'ready'), 'ready');
    assert.ok(!fake.posted.some(([m]) => m.event === 'connected'), 'connected is held');
    fake.hello(APP);
    const at = fake.posted.findIndex(([m]) => m.event === 'connected');
    assert.ok(at >= 0, 'connected went out on the hello');
    const [message, origin] = fake.posted[at]!;
    assert.equal(origin, APP);
    assert.equal((message as { phone: string | null }).phone, '5511912345678');
    // From the hello on, everything goes to the verified origin.
    assert.deepEqual([...new Set(fake.posted.slice(at).map(([, o]) => o))], [APP]);
  });

  it('handshake: disconnect() stops listening for hellos', async () => {
    server.opening = [{ event: 'state', data: widgetState() }];
    const fake = fakeWindow(true);
    const widget = document.createElement('titan-connect-widget');
    bridge = bridgePage(widget, fake.win);
    assert.equal(fake.listeners.size, 1);
    bridge.disconnect();
    bridge = undefined;
    assert.equal(fake.listeners.size, 0);
  });
});
