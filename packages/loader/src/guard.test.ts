// The loader's condensed guard must say exactly what the protocol's isWidgetMessage says.
import { isWidgetMessage, widgetMessage } from '@titan-connect/protocol';
import { isMessage } from './guard.js';
import { equal } from './test-fixtures/harness.js';

const base = { type: 'titan:widget', version: 1, session: 's1' };
const CASES: [unknown, boolean][] = [
  [widgetMessage('ready', 's1', { mode: 'all' }), true],
  [widgetMessage('close', 's1', {}), true],
  [widgetMessage('status', 's1', { status: 'CONNECTING', statusReason: 'SCAN_QR' }), true],
  [widgetMessage('expired', 's1', { reason: 'QR_TIMEOUT' }), true],
  [widgetMessage('resize', 's1', { height: 420 }), true],
  [widgetMessage('resize', 's1', { height: 0 }), true],
  [{ ...base, event: 'resize', height: -1 }, false],
  [{ ...base, event: 'resize', height: '12' }, false],
  [{ ...base, event: 'resize', height: Number.NaN }, false],
  [{ ...base, event: 'resize', height: Number.POSITIVE_INFINITY }, false],
  [{ ...base, event: 'resize' }, false],
  [widgetMessage('connected', 's1', { method: 'qr', phone: '5511912345678', pushName: 'Ana' }), true],
  [widgetMessage('connected', 's1', { method: 'pairing', phone: null, pushName: null, redirectUrl: 'https://a.example/cb' }), true],
  [{ ...base, event: 'connected', method: 'qr', phone: null, redirectUrl: null }, false],
  [{ ...base, event: 'connected', method: 'qr', phone: null, redirectUrl: 7 }, false],
  [{ ...base, event: 'connected', phone: null }, false],
  [{ ...base, event: 'connected', method: 1 }, false],
  [widgetMessage('error', 's1', { code: 'WA_UNREACHABLE', message: 'y', retryable: false }), true],
  [{ ...base, event: 'error', code: null, message: 'y' }, false],
  [{ ...base, event: 'error', code: 'X' }, false],
  [{ ...base, event: 'error', code: 1, message: 'y' }, false],
  // The shape before the detail was shared: nested, no longer a message.
  [{ ...base, event: 'error', error: { code: 'X', message: 'y' } }, false],
  [{ ...base, event: 'error' }, false],
  [{ type: 'titan:widget', version: 2, event: 'ready', session: 's1' }, false],
  [{ type: 'titan:widget', version: '1', event: 'ready', session: 's1' }, false],
  [{ type: 'other', version: 1, event: 'ready', session: 's1' }, false],
  [{ ...base, event: 'explode' }, false],
  [{ ...base, event: 'toString' }, false],
  [{ ...base, event: ['ready'] }, false],
  [{ type: 'titan:widget', version: 1, event: 'ready' }, false],
  [{ type: 'titan:widget', version: 1, event: 'ready', session: 5 }, false],
  ['titan:widget', false],
  [42, false],
  [undefined, false],
  [null, false],
  [[], false],
];

describe('isMessage (the loader guard)', () => {
  it('agrees with isWidgetMessage from @titan-connect/protocol on every case', () => {
    for (const [input, expected] of CASES) {
      const what = JSON.stringify(input) ?? String(input);
      equal(isWidgetMessage(input), expected, `protocol on ${what}`);
      equal(isMessage(input), expected, `loader on ${what}`);
    }
  });

  it('agrees on messages after a structured clone (what postMessage delivers)', () => {
    for (const [input, expected] of CASES) equal(isMessage(structuredClone(input)), expected, JSON.stringify(input) ?? String(input));
  });
});
