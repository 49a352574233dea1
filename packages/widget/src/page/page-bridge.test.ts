import { widgetMessage, type WidgetMessage } from '@titan-connect/protocol';
import { assert } from '../test/assert.js';
import { waitFor, waitForText } from '../test/dom.js';
import { FakeWidgetServer } from '../test/fake-server.js';
import { AFTER, connected, pairingCode, qr, stamped, widgetState } from '../test/fixtures.js';
import { bridgePage, type PageBridge } from './page-bridge.js';

/** A stand-in window: `framed` gives it a parent that records postMessage calls. */
function fakeWindow(framed: boolean) {
  const posted: [WidgetMessage, string][] = [];
  const navigated: string[] = [];
  const win = {
    parent: null as unknown as { postMessage(m: WidgetMessage, o: string): void },
    location: { assign: (url: string) => void navigated.push(url) },
  };
  win.parent = framed ? { postMessage: (m, o) => void posted.push([m, o]) } : (win as never);
  return { win, posted, navigated };
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
    server.opening = [{ event: 'state', data: widgetState({ messageTargetOrigin: 'https://app.example.com' }) }];
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
});
