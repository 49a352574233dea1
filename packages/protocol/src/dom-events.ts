import type { ErrorCode } from './errors.js';
import type { ConnectedPayload, ExpiredPayload } from './events.js';
import type { WidgetMode } from './modes.js';
import type { SessionStatus, StatusReason } from './session.js';

/**
 * The `detail` of each `titan-*` DOM event. One shape per event, whoever fires it:
 * `<titan-connect-widget>` on itself, or the loader on its mount target (relaying the iframe's
 * messages), so an app can swap one embedding for the other without touching its listeners.
 */
export interface TitanEventDetailMap {
  /** The first session state arrived: the widget shows its flow. */
  'titan-ready': { session: string; mode: WidgetMode };
  /** The WhatsApp session's status or reason changed. */
  'titan-status': { session: string; status: SessionStatus; statusReason: StatusReason | null };
  /** The number is linked. */
  'titan-connected': ConnectedPayload;
  /** Linking failed; `retryable` says whether the widget offers a retry. */
  'titan-error': { session: string; code: ErrorCode | (string & {}); message: string; retryable: boolean };
  /** The QR cycle timed out (`QR_TIMEOUT`) or the widget token expired (`TOKEN_EXPIRED`). */
  'titan-expired': { session: string } & ExpiredPayload;
}
export type TitanEventName = keyof TitanEventDetailMap;
export const TITAN_EVENT_NAMES = ['titan-ready', 'titan-status', 'titan-connected', 'titan-error', 'titan-expired'] as const satisfies readonly TitanEventName[];
