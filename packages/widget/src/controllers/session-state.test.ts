import type { WidgetState } from '@titan-connect/protocol';
import { assert } from '../test/assert.js';
import { AFTER, connected, linkStatus, pairingCode, qr, stamped, widgetState } from '../test/fixtures.js';
import { applyWidgetEvent, statusChanged, type WidgetUpdate } from './session-state.js';

const shownCode = pairingCode();
const pairing = widgetState({ phase: 'pairing', statusReason: 'PAIRING_CODE', pairingCode: shownCode });
const failedBefore = widgetState({ phase: 'failed', status: 'DISCONNECTED', statusReason: 'FAILED', qr: null, failure: { code: 'WA_UNREACHABLE', message: 'x', retryable: true } });
const rotated = qr({ attempt: 2, qr: '2@rotated' });
const code = pairingCode({ code: 'WXYZ9876' });
const loggedOut = { code: 'LOGGED_OUT', message: 'Logged out', retryable: false } as const;

/** The fields a case checks, picked from the state after the update. */
const pick = (state: WidgetState | null, keys: (keyof WidgetState)[]) => (state ? Object.fromEntries(keys.map((k) => [k, state[k]])) : null);

describe('applyWidgetEvent', () => {
  const CASES: [string, WidgetState | null, WidgetUpdate, Partial<WidgetState> | null][] = [
    ['state replaces the snapshot', null, { event: 'state', data: pairing }, { phase: 'pairing', statusReason: 'PAIRING_CODE' }],
    ['a patch before any state has nothing to patch', null, { event: 'qr', data: stamped(qr()) }, null],
    ['qr while scanning: the new QR, status from the server', widgetState(), { event: 'qr', data: stamped(rotated) }, { qr: rotated, status: 'CONNECTING', statusReason: 'SCAN_QR' }],
    [
      'qr rotating under a pairing code: PAIRING_CODE stays, the code stays',
      pairing,
      { event: 'qr', data: stamped(rotated, AFTER.pairing) },
      { qr: rotated, pairingCode: shownCode, phase: 'pairing', statusReason: 'PAIRING_CODE' },
    ],
    ['pairing_code: the code and PAIRING_CODE', widgetState(), { event: 'pairing_code', data: stamped(code, AFTER.pairing) }, { pairingCode: code, phase: 'pairing', statusReason: 'PAIRING_CODE' }],
    [
      'pairing code from the POST answer (no state): the code, the status untouched',
      widgetState(),
      { event: 'pairing_code', data: code },
      { pairingCode: code, phase: 'qr', statusReason: 'SCAN_QR' },
    ],
    [
      'connected: CONNECTED, the QR and code dropped',
      pairing,
      { event: 'connected', data: stamped(connected(), AFTER.connected) },
      { connected: connected(), qr: null, pairingCode: null, status: 'CONNECTED', statusReason: null },
    ],
    [
      'failed after a logout: the server reason LOGGED_OUT, not a guessed FAILED',
      widgetState(),
      { event: 'failed', data: stamped(loggedOut, linkStatus({ phase: 'failed', status: 'DISCONNECTED', statusReason: 'LOGGED_OUT' })) },
      { failure: loggedOut, qr: null, status: 'DISCONNECTED', statusReason: 'LOGGED_OUT' },
    ],
    [
      'failed by a manual stop: MANUAL_STOP',
      widgetState(),
      { event: 'failed', data: stamped(loggedOut, linkStatus({ phase: 'failed', status: 'DISCONNECTED', statusReason: 'MANUAL_STOP' })) },
      { statusReason: 'MANUAL_STOP' },
    ],
    [
      'expired QR_TIMEOUT: the QR dropped, DISCONNECTED/QR_TIMEOUT',
      widgetState(),
      { event: 'expired', data: stamped({ reason: 'QR_TIMEOUT' as const }, AFTER.qrTimeout) },
      { expired: { reason: 'QR_TIMEOUT' }, qr: null, status: 'DISCONNECTED', statusReason: 'QR_TIMEOUT' },
    ],
    [
      'expired TOKEN_EXPIRED: the status stays what the server says',
      widgetState(),
      { event: 'expired', data: stamped({ reason: 'TOKEN_EXPIRED' as const }, linkStatus({ phase: 'expired' })) },
      { expired: { reason: 'TOKEN_EXPIRED' }, status: 'CONNECTING', statusReason: 'SCAN_QR' },
    ],
    [
      'a fresh QR after a failure clears the failure',
      failedBefore,
      { event: 'qr', data: stamped(rotated) },
      { failure: null, qr: rotated, phase: 'qr', status: 'CONNECTING' },
    ],
    [
      'methods come from the server too',
      widgetState(),
      { event: 'qr', data: stamped(rotated, linkStatus({ methods: ['qr', 'pairing', 'cloud-api'] })) },
      { methods: ['qr', 'pairing', 'cloud-api'] },
    ],
  ];
  for (const [name, before, update, expected] of CASES) {
    it(name, () => {
      const after = applyWidgetEvent(before, update);
      assert.deepEqual(pick(after, Object.keys(expected ?? {}) as (keyof WidgetState)[]), expected);
    });
  }

  it('keeps the payload without the stamped state (titan-error details stay clean)', () => {
    const after = applyWidgetEvent(widgetState(), { event: 'failed', data: stamped(loggedOut, AFTER.failed) });
    assert.deepEqual(after?.failure, loggedOut);
  });
});

describe('statusChanged over a whole flow', () => {
  // [event, the server's state after it]; the host hears the status only where it moved.
  const FLOWS: [string, WidgetUpdate[], string[]][] = [
    [
      'pairing code with three QR rotations under it',
      [
        { event: 'state', data: widgetState() },
        { event: 'qr', data: stamped(qr({ attempt: 2 })) },
        { event: 'pairing_code', data: pairingCode() },
        { event: 'pairing_code', data: stamped(pairingCode(), AFTER.pairing) },
        { event: 'qr', data: stamped(qr({ attempt: 3 }), AFTER.pairing) },
        { event: 'qr', data: stamped(qr({ attempt: 4 }), AFTER.pairing) },
        { event: 'qr', data: stamped(qr({ attempt: 5 }), AFTER.pairing) },
        { event: 'connected', data: stamped(connected({ method: 'pairing' }), AFTER.connected) },
      ],
      ['CONNECTING/SCAN_QR', 'CONNECTING/PAIRING_CODE', 'CONNECTED/null'],
    ],
    [
      'QR timeout, restart, failure',
      [
        { event: 'state', data: widgetState() },
        { event: 'expired', data: stamped({ reason: 'QR_TIMEOUT' as const }, AFTER.qrTimeout) },
        { event: 'state', data: widgetState({ phase: 'starting', statusReason: null, qr: null }) },
        { event: 'qr', data: stamped(qr()) },
        { event: 'failed', data: stamped(loggedOut, AFTER.failed) },
      ],
      ['CONNECTING/SCAN_QR', 'DISCONNECTED/QR_TIMEOUT', 'CONNECTING/null', 'CONNECTING/SCAN_QR', 'DISCONNECTED/FAILED'],
    ],
  ];
  for (const [name, updates, expected] of FLOWS) {
    it(name, () => {
      const heard: string[] = [];
      let state: WidgetState | null = null;
      for (const update of updates) {
        const next = applyWidgetEvent(state, update);
        if (next && statusChanged(state, next)) heard.push(`${next.status}/${next.statusReason}`);
        state = next;
      }
      assert.deepEqual(heard, expected);
    });
  }
});
