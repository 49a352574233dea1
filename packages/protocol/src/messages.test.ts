import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostMessage, isHostMessage, isWidgetMessage, widgetMessage, formatPairingCode } from './index.js';

const CASES: [unknown, boolean][] = [
  [widgetMessage('ready', 's1', { mode: 'all' }), true],
  [widgetMessage('resize', 's1', { height: 420 }), true],
  [{ ...widgetMessage('resize', 's1', { height: 1 }), height: -1 }, false],
  [{ ...widgetMessage('resize', 's1', { height: 1 }), height: '12' }, false],
  [widgetMessage('connected', 's1', { method: 'qr', phone: '5511912345678', pushName: 'Ana' }), true],
  [widgetMessage('error', 's1', { code: 'WA_UNREACHABLE', message: 'y', retryable: true }), true],
  [{ ...widgetMessage('error', 's1', { code: 'WA_UNREACHABLE', message: 'y', retryable: true }), code: null }, false],
  [{ type: 'titan:widget', version: 2, event: 'ready', session: 's1' }, false],
  [{ type: 'other', version: 1, event: 'ready', session: 's1' }, false],
  [{ type: 'titan:widget', version: 1, event: 'explode', session: 's1' }, false],
  [{ type: 'titan:widget', version: 1, event: 'ready' }, false],
  ['titan:widget', false],
  [null, false],
];

test('isWidgetMessage accepts exactly the postMessage union', () => {
  for (const [input, expected] of CASES) assert.equal(isWidgetMessage(input), expected, JSON.stringify(input));
});

test('isHostMessage accepts only the hello handshake', () => {
  for (const [input, expected] of [
    [hostMessage(), true],
    [{ type: 'titan:host', version: 1, event: 'hello' }, true],
    [{ type: 'titan:host', version: 2, event: 'hello' }, false],
    [{ type: 'titan:host', version: 1, event: 'bye' }, false],
    [{ type: 'titan:widget', version: 1, event: 'hello' }, false],
    ['titan:host', false],
    [null, false],
  ] as const) assert.equal(isHostMessage(input), expected, JSON.stringify(input));
});

test('formatPairingCode shows 8 characters as XXXX-XXXX', () => {
  for (const [input, expected] of [
    ['abcd1234', 'ABCD-1234'],
    ['ABCD-1234', 'ABCD-1234'],
    ['abc', 'ABC'],
  ] as const) assert.equal(formatPairingCode(input), expected);
});
