import { WIDGET_PATHS, type LinkMethod } from '@titan-connect/protocol';
import { assert } from '../test/assert.js';
import { find, mountWidget, visibleText, waitFor, waitForText } from '../test/dom.js';
import { FakeWidgetServer, useFakeWidgetServer } from '../test/fake-server.js';
import { AFTER, fakeQrPath, inSeconds, qr, stamped, widgetState } from '../test/fixtures.js';

describe('<titan-qr-panel>', () => {
  let server: FakeWidgetServer;
  useFakeWidgetServer((installed) => (server = installed));

  it('draws the server QR path crisp, as an image with a text alternative, with the steps', async () => {
    server.opening = [{ event: 'state', data: widgetState({ qr: qr({ modules: 29 }) }) }];
    const widget = await mountWidget();
    const svg = await waitFor(() => find<SVGSVGElement>(widget, 'svg[role=img]'), 'qr svg');
    assert.equal(svg.getAttribute('viewBox'), '-4 -4 37 37', 'one module per unit, 4-module quiet zone');
    assert.equal(svg.getAttribute('shape-rendering'), 'crispEdges');
    assert.includes(svg.getAttribute('aria-label'), 'QR code');
    assert.equal(svg.querySelector('path')?.getAttribute('d'), fakeQrPath());
    assert.includes(visibleText(widget), 'Go to Settings → Linked devices → Link a device.');
  });

  it('counts down to the QR expiry', async () => {
    server.opening = [{ event: 'state', data: widgetState({ qr: qr({ expiresAt: inSeconds(42.5) }) }) }];
    const widget = await mountWidget();
    await waitFor(() => /The code refreshes in 4[23] s\./.test(visibleText(widget)), () => visibleText(widget));
  });

  it('the last QR of the cycle counts down to expiry, not to a refresh', async () => {
    server.opening = [{ event: 'state', data: widgetState({ qr: qr({ attempt: 6, maxAttempts: 6, expiresAt: inSeconds(15.5) }) }) }];
    const widget = await mountWidget();
    await waitFor(() => /The code expires in 1[56] s\./.test(visibleText(widget)), () => visibleText(widget));
  });

  it('says it is refreshing once the countdown reaches zero, keeping the old QR on show', async () => {
    server.opening = [{ event: 'state', data: widgetState({ qr: qr({ expiresAt: inSeconds(-1) }) }) }];
    const widget = await mountWidget();
    await waitForText(widget, 'Refreshing the code…');
    assert.ok(find(widget, 'svg[role=img]'));
  });

  it('rotates seamlessly: a new qr replaces the path in place and is announced', async () => {
    server.opening = [{ event: 'state', data: widgetState() }];
    const widget = await mountWidget();
    const svg = await waitFor(() => find<SVGSVGElement>(widget, 'svg[role=img]'), 'qr svg');
    server.send('qr', stamped(qr({ attempt: 2, svgPath: fakeQrPath(29, 99), expiresAt: inSeconds(20) })));
    await waitFor(() => svg.querySelector('path')?.getAttribute('d') === fakeQrPath(29, 99), 'rotated path');
    assert.equal(find<SVGSVGElement>(widget, 'svg[role=img]'), svg, 'the same element, no flash');
    assert.equal(widget.shadowRoot?.querySelector('[aria-live]')?.textContent?.trim(), 'A new QR code is ready.');
  });

  const EXPIRED: [LinkMethod[], string[]][] = [
    [['qr', 'pairing'], ['Generate a new QR code', 'Link with phone number instead']],
    [['qr'], ['Generate a new QR code']],
  ];
  for (const [methods, buttons] of EXPIRED) {
    it(`QR_TIMEOUT with methods ${methods.join(', ')}: buttons ${buttons.join(' + ')}`, async () => {
      server.opening = [{ event: 'state', data: widgetState({ methods, mode: methods.length > 1 ? 'all' : 'qr' }) }];
      const widget = await mountWidget();
      const expired: string[] = [];
      widget.addEventListener('titan-expired', (event) => expired.push(event.detail.reason));
      await waitFor(() => find(widget, 'svg[role=img]'), 'qr');
      server.send('expired', stamped({ reason: 'QR_TIMEOUT' as const }, AFTER.qrTimeout));
      await waitForText(widget, 'The QR code expired');
      assert.deepEqual(expired, ['QR_TIMEOUT']);
      const panel = find(widget, 'titan-qr-panel')!.shadowRoot!;
      assert.deepEqual([...panel.querySelectorAll('button')].map((b) => b.textContent?.trim()), buttons);
      assert.equal(find(widget, 'svg[role=img]'), null, 'no dead QR left on screen');
    });
  }

  it('"Generate a new QR code" restarts the cycle and shows the next QR', async () => {
    server.opening = [{ event: 'state', data: widgetState({ qr: null, phase: 'expired', statusReason: 'QR_TIMEOUT', expired: { reason: 'QR_TIMEOUT' } }) }];
    const widget = await mountWidget();
    await waitForText(widget, 'The QR code expired');
    // The server answers with its snapshot after the restart (a fresh cycle, no QR yet).
    server.replies.set(WIDGET_PATHS.qrRestart, { status: 200, body: { success: true, data: widgetState({ phase: 'starting', statusReason: null, qr: null }) } });
    find(widget, 'titan-qr-panel')!.shadowRoot!.querySelector('button')!.click();
    await waitFor(() => server.requestsTo(WIDGET_PATHS.qrRestart).length === 1, 'restart request');
    await waitForText(widget, 'Generating the QR code…');
    server.send('qr', stamped(qr()));
    await waitFor(() => find(widget, 'svg[role=img]'), 'the new qr');
  });

  it('"Link with phone number instead" switches to the pairing tab', async () => {
    server.opening = [{ event: 'state', data: widgetState({ qr: null, expired: { reason: 'QR_TIMEOUT' } }) }];
    const widget = await mountWidget();
    await waitForText(widget, 'The QR code expired');
    find(widget, 'titan-qr-panel')!.shadowRoot!.querySelectorAll('button')[1]!.click();
    await waitForText(widget, 'Link with your phone number');
    assert.equal(widget.shadowRoot?.querySelector('[aria-selected=true]')?.id, 'tab-pairing');
    await waitFor(() => widget.shadowRoot?.activeElement?.id === 'tab-pairing', 'focus moved to the pairing tab');
  });

  it('a restart answered with a fresh snapshot shows its QR without waiting for the stream', async () => {
    server.opening = [{ event: 'state', data: widgetState({ qr: null, expired: { reason: 'QR_TIMEOUT' } }) }];
    server.replies.set(WIDGET_PATHS.qrRestart, { status: 200, body: { success: true, data: widgetState({ qr: qr({ svgPath: fakeQrPath(29, 3) }) }) } });
    const widget = await mountWidget();
    await waitForText(widget, 'The QR code expired');
    find(widget, 'titan-qr-panel')!.shadowRoot!.querySelector('button')!.click();
    const path = await waitFor(() => find(widget, 'svg[role=img] path'), 'the new qr');
    assert.equal(path.getAttribute('d'), fakeQrPath(29, 3));
  });
});
