import { WIDGET_PATHS, type FailedPayload, type LinkMethod, type WidgetEventMap, type WidgetMode } from '@titan-connect/protocol';
import { assert } from '../test/assert.js';
import { find, mountWidget, visibleText, waitFor, waitForText } from '../test/dom.js';
import { FakeWidgetServer, useFakeWidgetServer } from '../test/fake-server.js';
import { AFTER, TOKEN, connected, linkStatus, pairingCode, qr, stamped, widgetState } from '../test/fixtures.js';

describe('<titan-connect-widget>', () => {
  let server: FakeWidgetServer;
  useFakeWidgetServer((installed) => (server = installed));

  it('shows loading until the first state, opening the stream with the token in Authorization', async () => {
    const widget = await mountWidget();
    await waitForText(widget, 'Loading…');
    const [request] = await waitFor(() => server.requestsTo(WIDGET_PATHS.events), 'events request');
    assert.equal(request!.headers.get('Authorization'), `Bearer ${TOKEN}`);
    assert.equal(find(widget, '[part=base]')?.getAttribute('aria-busy'), 'true');
  });

  const MODES: [WidgetMode, LinkMethod[], string[], string][] = [
    ['all', ['qr', 'pairing'], ['QR code', 'Phone number'], 'Scan the QR code'],
    ['all', ['qr', 'pairing', 'cloud-api'], ['QR code', 'Phone number', 'Cloud API'], 'Scan the QR code'],
    ['all', ['cloud-api', 'qr'], ['Cloud API', 'QR code'], 'Cloud API is not configured'],
    ['all', ['pairing', 'qr'], ['Phone number', 'QR code'], 'Link with your phone number'],
    ['qr', ['qr'], [], 'Scan the QR code'],
    ['pairing', ['pairing'], [], 'Link with your phone number'],
    // Without a Meta app in the state the Cloud API panel explains that instead of loading the SDK.
    ['cloud-api', ['cloud-api'], [], 'Cloud API is not configured'],
  ];
  for (const [mode, methods, tabs, heading] of MODES) {
    it(`mode ${mode} offering ${methods.join(', ')}: tabs [${tabs.join(', ')}], shows "${heading}"`, async () => {
      server.opening = [{ event: 'state', data: widgetState({ mode, methods }) }];
      const widget = await mountWidget();
      await waitForText(widget, heading);
      const shown = [...(widget.shadowRoot?.querySelectorAll('[role=tab]') ?? [])].map((t) => t.textContent?.trim());
      assert.deepEqual(shown, tabs);
      if (tabs.length) assert.equal(widget.shadowRoot?.querySelector('[role=tab][aria-selected=true]')?.textContent?.trim(), tabs[0]);
    });
  }

  const KEYS: [string[], string][] = [
    [['ArrowRight'], 'pairing'],
    [['ArrowRight', 'ArrowRight'], 'cloud-api'],
    [['ArrowRight', 'ArrowRight', 'ArrowRight'], 'qr'],
    [['ArrowLeft'], 'cloud-api'],
    [['End'], 'cloud-api'],
    [['End', 'Home'], 'qr'],
  ];
  for (const [keys, expected] of KEYS) {
    it(`tabs: ${keys.join(' then ')} selects and focuses ${expected}`, async () => {
      server.opening = [{ event: 'state', data: widgetState({ methods: ['qr', 'pairing', 'cloud-api'] }) }];
      const widget = await mountWidget();
      await waitFor(() => widget.shadowRoot?.querySelector('[role=tab]'), 'tabs');
      widget.shadowRoot!.querySelector<HTMLElement>('#tab-qr')!.focus();
      for (const key of keys) {
        widget.shadowRoot!.activeElement!.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, composed: true }));
        await widget.updateComplete;
        await widget.updateComplete;
      }
      const selected = widget.shadowRoot!.querySelector('[role=tab][aria-selected=true]')!;
      assert.equal(selected.id, `tab-${expected}`);
      assert.equal(widget.shadowRoot!.activeElement?.id, `tab-${expected}`, 'focus follows selection');
      assert.equal(selected.getAttribute('tabindex'), '0');
      assert.equal(widget.shadowRoot!.querySelectorAll('[role=tab][tabindex="-1"]').length, 2, 'roving tabindex');
      assert.equal(widget.shadowRoot!.querySelector('[role=tabpanel]')?.getAttribute('aria-labelledby'), `tab-${expected}`);
    });
  }

  it('connected: success screen with the phone, titan-connected with the payload', async () => {
    server.opening = [{ event: 'state', data: widgetState() }];
    const widget = await mountWidget();
    const fired: CustomEventInit[] = [];
    widget.addEventListener('titan-connected', (event) => fired.push({ detail: event.detail }));
    await waitForText(widget, 'Scan the QR code');
    server.send('connected', stamped(connected({ redirectUrl: 'https://app.example.com/done?session=shop-42' }), AFTER.connected));
    await waitForText(widget, 'WhatsApp connected');
    assert.includes(visibleText(widget), '+5511912345678');
    assert.equal(fired.length, 1);
    assert.equal((fired[0]!.detail as { redirectUrl: string }).redirectUrl, 'https://app.example.com/done?session=shop-42');
  });

  const FAILURES: [boolean, string, string][] = [
    [true, 'WA_UNREACHABLE', 'Could not reach WhatsApp servers.'],
    [false, 'LOGGED_OUT', 'The phone logged this device out.'],
    [false, 'COMPANION_LIMIT', 'This phone has as many linked devices as WhatsApp allows. Remove one and try again.'],
    [false, 'LINKING_FAILED', 'Something went wrong. Try again.'],
    [false, 'SOMETHING_NEW', 'Something went wrong. Try again.'],
  ];
  for (const [retryable, code, text] of FAILURES) {
    it(`failed ${code} (retryable: ${retryable}): "${text}"${retryable ? ' and a retry that restarts the QR' : ''}`, async () => {
      server.opening = [{ event: 'state', data: widgetState() }];
      const widget = await mountWidget();
      const errors: string[] = [];
      widget.addEventListener('titan-error', (event) => errors.push(event.detail.code));
      await waitForText(widget, 'Scan the QR code');
      // The server's message is for developers and may name a field: never on screen.
      server.send('failed', stamped({ code, message: 'wabaId: must be a numeric Meta id', retryable } as FailedPayload, AFTER.failed));
      await waitForText(widget, text);
      assert.ok(!visibleText(widget).includes('wabaId'), 'no server field name on screen');
      assert.deepEqual(errors, [code]);
      const retry = find(widget, 'titan-status-view')?.shadowRoot?.querySelector('button');
      assert.equal(Boolean(retry), retryable);
      if (retry) {
        server.replies.set(WIDGET_PATHS.qrRestart, { status: 200, body: { success: true, data: widgetState() } });
        retry.click();
        await waitFor(() => server.requestsTo(WIDGET_PATHS.qrRestart).length === 1, 'restart request');
        await waitForText(widget, 'Scan the QR code');
      }
    });
  }

  for (const status of [401, 403]) {
    it(`a ${status} on the stream shows the expired link and fires titan-expired`, async () => {
      server.eventsStatus = status;
      const reasons: string[] = [];
      // Listened on document: the events bubble out of the element and may fire during mounting.
      const onExpired = (event: GlobalEventHandlersEventMap['titan-expired']) => reasons.push(event.detail.reason);
      document.addEventListener('titan-expired', onExpired);
      const widget = await mountWidget();
      await waitForText(widget, 'This link has expired; ask the app for a new one.');
      document.removeEventListener('titan-expired', onExpired);
      assert.deepEqual(reasons, ['TOKEN_EXPIRED']);
      assert.equal(server.requestsTo(WIDGET_PATHS.events).length, 1, 'no reconnect with a dead token');
    });
  }

  it('an expired TOKEN_EXPIRED event shows the expired link', async () => {
    server.opening = [{ event: 'state', data: widgetState() }];
    const widget = await mountWidget();
    await waitForText(widget, 'Scan the QR code');
    server.send('expired', stamped({ reason: 'TOKEN_EXPIRED' as const }, linkStatus({ phase: 'expired' })));
    await waitForText(widget, 'This link has expired; ask the app for a new one.');
  });

  it('the link expires at expiresAt even on a quiet stream, and the stream is closed', async () => {
    server.opening = [{ event: 'state', data: widgetState({ expiresAt: new Date(Date.now() + 300).toISOString() }) }];
    const widget = await mountWidget();
    await waitForText(widget, 'Scan the QR code');
    await waitForText(widget, 'This link has expired; ask the app for a new one.');
    await waitFor(() => server.openStreams === 0, 'stream closed');
  });

  it('a connected widget stays connected when its link expires', async () => {
    const expiresAt = new Date(Date.now() + 300).toISOString();
    server.opening = [{ event: 'state', data: widgetState({ expiresAt, status: 'CONNECTED', statusReason: null, connected: connected() }) }];
    const widget = await mountWidget();
    await waitForText(widget, 'WhatsApp connected');
    await waitFor(() => Date.now() > Date.parse(expiresAt) + 200, 'past expiry');
    assert.includes(visibleText(widget), 'WhatsApp connected');
  });

  it('a widget URL without a token is an expired link', async () => {
    const widget = await mountWidget({ 'widget-url': 'https://titan.example/widget/connect' });
    await waitForText(widget, 'This link has expired');
    assert.equal(server.requestsTo(WIDGET_PATHS.events).length, 0);
  });

  it('a widget-url set after mounting replaces a dead link with the new session', async () => {
    server.opening = [{ event: 'state', data: widgetState() }];
    const widget = await mountWidget({ 'widget-url': 'https://titan.example/widget/connect' });
    await waitForText(widget, 'This link has expired');
    widget.setAttribute('widget-url', `${location.origin}/widget/connect?token=fresh`);
    await waitForText(widget, 'Scan the QR code');
    assert.equal(server.requestsTo(WIDGET_PATHS.events)[0]!.headers.get('Authorization'), 'Bearer fresh');
  });

  it('network lost: "Reconnecting…", then resumes with Last-Event-ID', async () => {
    server.opening = [{ event: 'state', data: widgetState() }];
    const widget = await mountWidget();
    await waitForText(widget, 'Scan the QR code');
    server.opening = [];
    server.drop();
    await waitForText(widget, 'Connection lost. Reconnecting…');
    const resumed = await waitFor(() => server.requestsTo(WIDGET_PATHS.events)[1], 'a second events request');
    assert.equal(resumed.headers.get('Last-Event-ID'), '1');
    await waitFor(() => !visibleText(widget).includes('Reconnecting'), 'banner gone');
    server.send('connected', stamped(connected(), AFTER.connected));
    await waitForText(widget, 'WhatsApp connected');
  });

  // The server's stream, and what the host hears: titan-ready once, titan-status only when the
  // server's (status, statusReason) moved. A QR rotating under a pairing code is not a change.
  const FLOWS: [string, [keyof WidgetEventMap, object][], string[]][] = [
    [
      'QR link',
      [['qr', stamped(qr({ attempt: 2 }))], ['qr', stamped(qr({ attempt: 3 }))], ['connected', stamped(connected(), AFTER.connected)]],
      ['ready shop-42 all', 'status CONNECTING SCAN_QR', 'status CONNECTED null'],
    ],
    [
      'pairing code with QR rotations under it',
      [
        ['pairing_code', stamped(pairingCode(), AFTER.pairing)],
        ['qr', stamped(qr({ attempt: 2 }), AFTER.pairing)],
        ['qr', stamped(qr({ attempt: 3 }), AFTER.pairing)],
        ['qr', stamped(qr({ attempt: 4 }), AFTER.pairing)],
        ['connected', stamped(connected({ method: 'pairing' }), AFTER.connected)],
      ],
      ['ready shop-42 all', 'status CONNECTING SCAN_QR', 'status CONNECTING PAIRING_CODE', 'status CONNECTED null'],
    ],
    [
      'logged out from the phone',
      [['failed', stamped({ code: 'LOGGED_OUT', message: 'Logged out', retryable: false }, linkStatus({ phase: 'failed', status: 'DISCONNECTED', statusReason: 'LOGGED_OUT' }))]],
      ['ready shop-42 all', 'status CONNECTING SCAN_QR', 'status DISCONNECTED LOGGED_OUT'],
    ],
  ];
  for (const [name, events, expected] of FLOWS) {
    it(`${name}: titan-status exactly on the server's changes`, async () => {
      server.opening = [{ event: 'state', data: widgetState() }];
      const log: string[] = [];
      const widget = document.createElement('titan-connect-widget');
      widget.addEventListener('titan-ready', (e) => log.push(`ready ${e.detail.session} ${e.detail.mode}`));
      widget.addEventListener('titan-status', (e) => log.push(`status ${e.detail.status} ${e.detail.statusReason}`));
      widget.widgetUrl = `${location.origin}/widget/connect?token=${TOKEN}`;
      document.body.append(widget);
      await waitFor(() => log.length === 2, 'ready and status');
      for (const [event, data] of events) server.send(event, data as never);
      // The last event always moves the status, so once it is heard every earlier one was applied.
      await waitFor(() => log.length === expected.length, () => `${expected.length} entries, got ${log}`);
      // A beat more: a status fired late by a stray event would show up here.
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(log, expected);
    });
  }

  it('closes the stream when removed from the page', async () => {
    server.opening = [{ event: 'state', data: widgetState() }];
    const widget = await mountWidget();
    await waitFor(() => server.openStreams === 1, 'stream open');
    widget.remove();
    await waitFor(() => server.openStreams === 0, 'stream closed');
  });
});
