import type { LinkMethod, WidgetMode } from './modes.js';
import type { ErrorCode } from './errors.js';
import type { SessionStatus, StatusReason } from './session.js';

/** Where the widget session is in its linking. Persisted by the server. */
export const LINK_PHASES = ['idle', 'starting', 'qr', 'pairing', 'connected', 'failed', 'expired'] as const;
export type LinkPhase = (typeof LINK_PHASES)[number];

/** `qr` event. `expiresAt` is when this QR stops being scannable. */
export interface QrPayload {
  /** The raw string WhatsApp expects to be scanned (baileys 7 shape). */
  qr: string;
  expiresAt: string;
  /** 1-based; the first QR lives 60 s, later ones 20 s. */
  attempt: number;
  maxAttempts: number;
  /**
   * The QR drawn by the server: the module grid as one SVG path (`d` attribute, 1 unit = 1 module,
   * no quiet zone) so the widget paints it crisp at any pixel ratio without a QR library.
   */
  svgPath: string;
  /** Modules per side of `svgPath`. */
  modules: number;
}

/** `pairing_code` event. */
export interface PairingCodePayload {
  /** Shown as `XXXX-XXXX`. */
  code: string;
  /** Digits only. */
  phoneNumber: string;
  expiresAt: string;
}

/** `connected` event. */
export interface ConnectedPayload {
  session: string;
  method: LinkMethod;
  /** Digits only. */
  phone: string | null;
  pushName: string | null;
  /** `callbackUrl?session=…&status=connected&method=…` when the session has a callback. */
  redirectUrl?: string | null;
  /** Cloud API: the WhatsApp Business Account and phone number ids. */
  wabaId?: string | null;
  phoneNumberId?: string | null;
}

/** `failed` event. */
export interface FailedPayload {
  code: ErrorCode;
  message: string;
  /** True when the user can try again in this widget session (e.g. a fresh QR). */
  retryable: boolean;
}

/** `expired` event. */
export interface ExpiredPayload {
  reason: 'QR_TIMEOUT' | 'TOKEN_EXPIRED';
}

/** Public Meta config of a widget session that offers Cloud API. Never holds a secret. */
export interface MetaPublicConfig {
  appId: string;
  configId: string;
  sdkUrl: string;
  /** Graph API version the SDK is initialised with, e.g. `v21.0`. */
  graphVersion: string;
}

/** `GET /widget/api/state` and the `state` event. */
export interface WidgetState {
  mode: WidgetMode;
  /** The WhatsApp session name. */
  session: string;
  status: SessionStatus;
  statusReason: StatusReason | null;
  phase: LinkPhase;
  /** Methods this widget session offers, in tab order. */
  methods: LinkMethod[];
  qr: QrPayload | null;
  pairingCode: PairingCodePayload | null;
  connected: ConnectedPayload | null;
  failure: FailedPayload | null;
  expired: ExpiredPayload | null;
  meta: MetaPublicConfig | null;
  /** BCP 47 locale requested by the backend, or null for the browser's. */
  locale: string | null;
  /** When the widget token (and this widget session) expires. */
  expiresAt: string;
  /** Target origin of postMessage: `*` or the session's single allowed origin. */
  messageTargetOrigin: string;
  /**
   * The session's `allowedOrigins` (empty: any site may frame it). The page checks the origin of
   * the loader's `hello` against it before it posts a phone number anywhere but a fixed origin.
   */
  allowedOrigins: string[];
}

/**
 * The server's decision after an event. Every SSE event but `state` carries it as `data.state`;
 * the widget merges it and never derives a status from an event's name (a QR rotating under a
 * pairing code leaves `PAIRING_CODE` in place).
 */
export interface LinkStatus {
  phase: LinkPhase;
  status: SessionStatus;
  statusReason: StatusReason | null;
  methods: LinkMethod[];
}

/** An event payload with the state after it. */
export type WithLinkStatus<T> = T & { state: LinkStatus };

/** Every SSE event: `event:` name and its JSON `data:`. */
export interface WidgetEventMap {
  state: WidgetState;
  qr: WithLinkStatus<QrPayload>;
  pairing_code: WithLinkStatus<PairingCodePayload>;
  connected: WithLinkStatus<ConnectedPayload>;
  failed: WithLinkStatus<FailedPayload>;
  expired: WithLinkStatus<ExpiredPayload>;
}
export type WidgetEventName = keyof WidgetEventMap;
export const WIDGET_EVENT_NAMES = ['state', 'qr', 'pairing_code', 'connected', 'failed', 'expired'] as const satisfies readonly WidgetEventName[];

export type WidgetEvent = { [K in WidgetEventName]: { event: K; data: WidgetEventMap[K] } }[WidgetEventName];

export const isWidgetEventName = (value: unknown): value is WidgetEventName =>
  typeof value === 'string' && (WIDGET_EVENT_NAMES as readonly string[]).includes(value);

/** Pairing codes are 8 characters, shown as XXXX-XXXX. */
export const formatPairingCode = (code: string): string => {
  const bare = code.replace(/[^0-9A-Za-z]/g, '').toUpperCase();
  return bare.length === 8 ? `${bare.slice(0, 4)}-${bare.slice(4)}` : bare;
};
