import type { WidgetEvent, WidgetState } from '@titan-connect/protocol';

/** Folds one SSE event into the session snapshot (`state` replaces it; the rest patch it). */
export function applyWidgetEvent(state: WidgetState | null, event: WidgetEvent): WidgetState | null {
  if (event.event === 'state') return event.data;
  // The server always sends `state` first, so a patch without a snapshot has nothing to patch.
  if (!state) return null;
  switch (event.event) {
    case 'qr':
      return { ...state, qr: event.data, phase: 'qr', status: 'CONNECTING', statusReason: 'SCAN_QR', expired: null, failure: null };
    case 'pairing_code':
      return { ...state, pairingCode: event.data, phase: 'pairing', status: 'CONNECTING', statusReason: 'PAIRING_CODE', failure: null };
    case 'connected':
      return { ...state, connected: event.data, phase: 'connected', status: 'CONNECTED', statusReason: null, failure: null };
    case 'failed':
      return { ...state, failure: event.data, phase: 'failed', status: 'DISCONNECTED', statusReason: 'FAILED' };
    case 'expired': {
      const qrTimeout = event.data.reason === 'QR_TIMEOUT';
      return {
        ...state,
        expired: event.data,
        phase: 'expired',
        status: qrTimeout ? 'DISCONNECTED' : state.status,
        statusReason: qrTimeout ? 'QR_TIMEOUT' : state.statusReason,
        qr: qrTimeout ? null : state.qr,
      };
    }
  }
}

/** What the widget shows as a whole; the method panels handle their own inner states. */
export type WidgetView = 'loading' | 'linking' | 'connected' | 'failed' | 'token-expired';

export const viewOf = (state: WidgetState | null, tokenRejected: boolean): WidgetView => {
  // A linked number stays linked when the token later expires: success outranks expiry.
  if (state?.connected || state?.status === 'CONNECTED') return 'connected';
  if (tokenRejected || state?.expired?.reason === 'TOKEN_EXPIRED') return 'token-expired';
  if (!state) return 'loading';
  if (state.failure) return 'failed';
  return 'linking';
};
