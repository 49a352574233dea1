import { WIDGET_PATHS } from '@titan-connect/protocol';
import { assert } from '../test/assert.js';
import { find, mountWidget, visibleText, waitFor, waitForText } from '../test/dom.js';
import { FakeWidgetServer } from '../test/fake-server.js';
import { AFTER, TOKEN, pairingCode, stamped, widgetState } from '../test/fixtures.js';

describe('<titan-pairing-panel>', () => {
  let server: FakeWidgetServer;
  beforeEach(() => {
    server = new FakeWidgetServer().install();
    server.opening = [{ event: 'state', data: widgetState({ mode: 'pairing', methods: ['pairing'] }) }];
  });
  afterEach(() => {
    document.querySelectorAll('titan-connect-widget').forEach((el) => el.remove());
    server.restore();
  });

  async function typeAndSubmit(phone: string) {
    const widget = await mountWidget();
    await waitForText(widget, 'Link with your phone number');
    const panel = find(widget, 'titan-pairing-panel')!.shadowRoot!;
    const input = panel.querySelector('input')!;
    input.value = phone;
    input.dispatchEvent(new InputEvent('input'));
    panel.querySelector('form')!.requestSubmit();
    return { widget, panel, input };
  }

  it('sends the number as digits with the token, then shows the code as XXXX-XXXX with its instructions', async () => {
    server.replies.set(WIDGET_PATHS.pairingCode, { status: 200, body: pairingCode() });
    const { widget } = await typeAndSubmit('+55 11 91234-5678');
    await waitForText(widget, 'ABCD-1234');
    const [request] = server.requestsTo(WIDGET_PATHS.pairingCode);
    assert.deepEqual(request!.body, { phoneNumber: '5511912345678' });
    assert.equal(request!.headers.get('Authorization'), `Bearer ${TOKEN}`);
    const text = visibleText(widget);
    assert.includes(text, 'Open WhatsApp on the phone with +5511912345678.');
    assert.includes(text, 'Tap “Link with phone number instead” and enter the code.');
    assert.ok(/The code expires in 1[12]\d s\./.test(text), text);
  });

  it('sends the emulator\'s virtual phone number +1 555 010 0001 (a fictional number is the server\'s call)', async () => {
    server.replies.set(WIDGET_PATHS.pairingCode, { status: 200, body: pairingCode({ phoneNumber: '15550100001' }) });
    const { widget } = await typeAndSubmit('+1 555 010 0001');
    await waitForText(widget, 'ABCD-1234');
    assert.deepEqual(server.requestsTo(WIDGET_PATHS.pairingCode)[0]!.body, { phoneNumber: '15550100001' });
  });

  it('takes the code from a pairing_code event too (server answers 202 without it)', async () => {
    server.replies.set(WIDGET_PATHS.pairingCode, { status: 202, body: { success: true } });
    const { widget } = await typeAndSubmit('+55 11 91234-5678');
    await waitFor(() => server.requestsTo(WIDGET_PATHS.pairingCode).length === 1, 'request');
    server.send('pairing_code', stamped(pairingCode({ code: 'WXYZ9876' }), AFTER.pairing));
    await waitForText(widget, 'WXYZ-9876');
  });

  it('copies the code to the clipboard', async () => {
    const copied: string[] = [];
    const clipboard = Object.getOwnPropertyDescriptor(Navigator.prototype, 'clipboard')!;
    Object.defineProperty(navigator, 'clipboard', { configurable: true, value: { writeText: async (t: string) => void copied.push(t) } });
    try {
      server.opening = [{ event: 'state', data: widgetState({ mode: 'pairing', methods: ['pairing'], pairingCode: pairingCode() }) }];
      const widget = await mountWidget();
      await waitForText(widget, 'Copy code');
      find(widget, 'titan-pairing-panel')!.shadowRoot!.querySelector('button')!.click();
      await waitForText(widget, 'Copied');
      assert.deepEqual(copied, ['ABCD-1234']);
    } finally {
      delete (navigator as { clipboard?: unknown }).clipboard;
      Object.defineProperty(Navigator.prototype, 'clipboard', clipboard);
    }
  });

  it('an expired code offers a new one', async () => {
    server.opening = [{ event: 'state', data: widgetState({ mode: 'pairing', methods: ['pairing'], pairingCode: pairingCode({ expiresAt: new Date(Date.now() - 1000).toISOString() }) }) }];
    const widget = await mountWidget();
    await waitForText(widget, 'This code expired. Request a new one.');
    const buttons = find(widget, 'titan-pairing-panel')!.shadowRoot!.querySelectorAll('button');
    assert.equal(buttons[0]!.disabled, true, 'no copying a dead code');
    buttons[1]!.click();
    await waitForText(widget, 'Get pairing code');
    assert.equal(find<HTMLInputElement>(widget, 'titan-pairing-panel')!.shadowRoot!.querySelector('input')!.value, '+5511912345678');
  });

  const INVALID: [string, string][] = [
    ['', 'Enter your WhatsApp phone number.'],
    ['011 91234-5678', 'Start with your country code, e.g. +55.'],
    ['+55 1234', 'This number is too short: with the country code it has 8 to 15 digits.'],
    ['+55 11 91234 5678 9999', 'This number is too long: with the country code it has 8 to 15 digits.'],
    ['call me', 'Use only digits, spaces, dashes and a leading +.'],
  ];
  for (const [phone, message] of INVALID) {
    it(`inline validation: ${JSON.stringify(phone)} → "${message}", nothing sent`, async () => {
      const { widget, input } = await typeAndSubmit(phone);
      await waitForText(widget, message);
      assert.equal(input.getAttribute('aria-invalid'), 'true');
      assert.equal(server.requestsTo(WIDGET_PATHS.pairingCode).length, 0);
    });
  }

  it('shows the country of the calling code as the user types', async () => {
    const widget = await mountWidget();
    await waitForText(widget, 'Link with your phone number');
    const input = find(widget, 'titan-pairing-panel')!.shadowRoot!.querySelector('input')!;
    input.value = '+351 91';
    input.dispatchEvent(new InputEvent('input'));
    await waitForText(widget, 'Portugal');
  });

  // The server's `error` is for developers and names the field; the user reads a sentence per code.
  const REFUSED: [number, string, string][] = [
    [400, 'VALIDATION_FAILED', 'WhatsApp cannot use this number. Check the country code and the digits.'],
    [409, 'SESSION_ALREADY_CONNECTED', 'This WhatsApp number is already connected.'],
    [500, 'INTERNAL_ERROR', 'Something went wrong. Try again.'],
  ];
  for (const [status, code, text] of REFUSED) {
    it(`a ${status} ${code} shows "${text}", not the server's field message`, async () => {
      const error = 'phoneNumber: not a valid phone number; use the international format, e.g. +55 11 91234-5678.';
      server.replies.set(WIDGET_PATHS.pairingCode, { status, body: { error, code } });
      const { widget } = await typeAndSubmit('+55 11 91234-5678');
      await waitForText(widget, text);
      assert.ok(!visibleText(widget).includes('phoneNumber:'), 'no field name on screen');
    });
  }

  it('a 429 says when to try again and disables the button', async () => {
    server.replies.set(WIDGET_PATHS.pairingCode, { status: 429, body: { error: 'Too many', code: 'RATE_LIMITED' }, headers: { 'Retry-After': '30' } });
    const { widget, panel } = await typeAndSubmit('+55 11 91234-5678');
    await waitFor(() => /Too many attempts\. Try again in (29|30) s\./.test(visibleText(widget)), () => visibleText(widget));
    assert.equal(panel.querySelector<HTMLButtonElement>('button[type=submit]')!.disabled, true);
  });

  it('a 401 on the request shows the expired link', async () => {
    server.replies.set(WIDGET_PATHS.pairingCode, { status: 401, body: { error: 'Invalid widget token', code: 'INVALID_WIDGET_TOKEN' } });
    const { widget } = await typeAndSubmit('+55 11 91234-5678');
    await waitForText(widget, 'This link has expired; ask the app for a new one.');
  });
});
