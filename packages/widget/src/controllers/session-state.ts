import type { LinkPhase, LinkStatus, WidgetEventMap, WidgetEventName, WidgetState } from '@titan-connect/protocol';

type PayloadEventName = Exclude<WidgetEventName, 'state'>;

/**
 * What the session state folds in: an SSE event, or a POST answer applied like one (the pairing
 * code, the Cloud API result). Those answers carry no `state`, so they change no status: the
 * stream's own event, which follows, brings the server's decision.
 */
export type WidgetUpdate =
  | { event: 'state'; data: WidgetState }
  | { [K in PayloadEventName]: { event: K; data: Omit<WidgetEventMap[K], 'state'> & { state?: LinkStatus } } }[PayloadEventName];

/** The snapshot field each event's payload fills. */
const FIELD = {
  qr: 'qr',
  pairing_code: 'pairingCode',
  connected: 'connected',
  failed: 'failure',
  expired: 'expired',
} as const satisfies Record<PayloadEventName, keyof WidgetState>;

type PayloadField = (typeof FIELD)[PayloadEventName];

/**
 * Payloads the server's new phase leaves behind (its snapshot drops them too): a failure from
 * before a fresh QR must not keep the failure screen up, nor a QR a timeout screen.
 */
const STALE: Record<LinkPhase, PayloadField[]> = {
  idle: [],
  starting: ['failure', 'expired'],
  qr: ['failure', 'expired'],
  pairing: ['failure', 'expired'],
  connected: ['qr', 'pairingCode', 'failure', 'expired'],
  failed: ['qr', 'pairingCode'],
  expired: ['qr', 'pairingCode'],
};

/**
 * Folds one update into the session snapshot. `state` replaces it; any other event sets its own
 * payload field and takes phase, status and methods from the server's `data.state`. Nothing is
 * inferred from the event's name: a QR rotating under a pairing code stays `PAIRING_CODE` because
 * the server says so.
 */
export function applyWidgetEvent(state: WidgetState | null, update: WidgetUpdate): WidgetState | null {
  if (update.event === 'state') return update.data;
  // The server always sends `state` first, so a patch without a snapshot has nothing to patch.
  if (!state) return null;
  const { state: link, ...payload } = update.data;
  const field = FIELD[update.event];
  const next: WidgetState = { ...state, [field]: payload };
  if (!link) return next;
  for (const stale of STALE[link.phase]) if (stale !== field) next[stale] = null;
  return { ...next, phase: link.phase, status: link.status, statusReason: link.statusReason, methods: link.methods };
}

/** True when the host must hear about it: the server's (status, statusReason) moved. */
export const statusChanged = (previous: WidgetState | null, next: WidgetState): boolean =>
  previous?.status !== next.status || previous.statusReason !== next.statusReason;

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
