// What a widget session shows, apart from its fixed settings: the part of `WidgetState` that
// linking changes. Persisted as `widget_sessions.link_state` and kept per event for resume.
import type {
  ConnectedPayload,
  ExpiredPayload,
  FailedPayload,
  LinkMethod,
  LinkPhase,
  MetaPublicConfig,
  PairingCodePayload,
  QrPayload,
  SessionStatus,
  StatusReason,
  WidgetState,
} from '@titan-connect/protocol';
import { formatPairingCode } from '@titan-connect/protocol';
import type { AppConfig } from '../config.types.js';
import { qrSvgPath } from '../qr-svg.js';
import type { EngineEvent } from '../whatsapp/engine.js';
import type { StoredWidgetSession, WaSessionRecord, WidgetSessionRecord } from '../store/index.js';

export interface LinkSnapshot {
  phase: LinkPhase;
  status: SessionStatus;
  statusReason: StatusReason | null;
  qr: QrPayload | null;
  pairingCode: PairingCodePayload | null;
  connected: ConnectedPayload | null;
  failure: FailedPayload | null;
  expired: ExpiredPayload | null;
  /** When this widget session linked its number (ms), for `GET /api/widget/sessions/:id`. */
  completedAt?: number | null;
}

export const emptySnapshot = (status: SessionStatus = 'DISCONNECTED', statusReason: StatusReason | null = null): LinkSnapshot => ({
  phase: 'idle',
  status,
  statusReason,
  qr: null,
  pairingCode: null,
  connected: null,
  failure: null,
  expired: null,
});

/** Reads `link_state`; anything unreadable starts clean rather than breaking the widget. */
export function parseSnapshot(json: string | null, phase: LinkPhase): LinkSnapshot {
  if (json) {
    try {
      return { ...emptySnapshot(), ...(JSON.parse(json) as Partial<LinkSnapshot>), phase };
    } catch {
      // fall through
    }
  }
  return { ...emptySnapshot(), phase };
}

/** The phases in which a widget session is linking (the engine runs, or should, for its number). */
export const LINKING_PHASES: ReadonlySet<string> = new Set(['starting', 'qr', 'pairing']);

/**
 * A widget session's snapshot as loaded from the store, with its WhatsApp session's status.
 * Loaded from the store means after a restart: a stored QR or pairing code belonged to a socket
 * that is gone, so while linking only the engine's live ones (`live`) count.
 */
export function restoredSnapshot(
  record: StoredWidgetSession,
  wa: WaSessionRecord | null,
  live: Pick<LinkSnapshot, 'qr' | 'pairingCode'> | null,
): LinkSnapshot {
  const snapshot = parseSnapshot(record.linkState, record.phase);
  if (wa) Object.assign(snapshot, { status: wa.status, statusReason: wa.statusReason });
  if (LINKING_PHASES.has(snapshot.phase)) Object.assign(snapshot, live ?? { qr: null, pairingCode: null });
  return snapshot;
}

/** A Meta app is offered when the platform has one (META_APP_ID) or the session brought its own. */
export function metaPublicConfig(config: AppConfig, ws: WidgetSessionRecord): MetaPublicConfig | null {
  const appId = ws.metaApp?.appId ?? config.meta.appId;
  if (!appId) return null;
  return {
    appId,
    configId: ws.metaApp?.configId ?? config.meta.configId ?? '',
    sdkUrl: config.meta.sdkUrl,
    graphVersion: config.meta.graphVersion,
  };
}

/** Tabs in order. `all` offers Cloud API only with a Meta app; `cloud-api` mode always shows its tab. */
export function methodsFor(config: AppConfig, ws: WidgetSessionRecord): LinkMethod[] {
  switch (ws.mode) {
    case 'qr':
      return ['qr'];
    case 'pairing':
      return ['pairing'];
    case 'cloud-api':
      return ['cloud-api'];
    case 'all':
      return metaPublicConfig(config, ws) ? ['qr', 'pairing', 'cloud-api'] : ['qr', 'pairing'];
  }
}

/** Whether the widget session offers Cloud API (its tab, and its finish route). */
export const offersCloudApi = (config: AppConfig, ws: WidgetSessionRecord): boolean => methodsFor(config, ws).includes('cloud-api');

/** postMessage goes only to the embedding origin when there is exactly one to go to. */
export const messageTargetOrigin = (ws: WidgetSessionRecord): string =>
  ws.allowedOrigins.length === 1 ? ws.allowedOrigins[0]! : '*';

/** `callbackUrl?session=…&status=connected&method=…&widgetSession=…`, keeping the callback's own query. */
export function redirectUrl(callbackUrl: string | null, session: string, method: LinkMethod, widgetSession: string): string | null {
  if (!callbackUrl) return null;
  const url = new URL(callbackUrl);
  url.searchParams.set('session', session);
  url.searchParams.set('status', 'connected');
  url.searchParams.set('method', method);
  // Anyone can type the parameters above; the backend confirms with GET /api/widget/sessions/:id.
  url.searchParams.set('widgetSession', widgetSession);
  return url.toString();
}

/** The full `WidgetState` of a widget session at `snapshot`. */
export function widgetState(config: AppConfig, ws: WidgetSessionRecord, snapshot: LinkSnapshot): WidgetState {
  const methods = methodsFor(config, ws);
  return {
    mode: ws.mode,
    session: ws.sessionName,
    status: snapshot.status,
    statusReason: snapshot.statusReason,
    phase: snapshot.phase,
    methods,
    qr: snapshot.qr,
    pairingCode: snapshot.pairingCode,
    connected: snapshot.connected,
    failure: snapshot.failure,
    expired: snapshot.expired,
    meta: methods.includes('cloud-api') ? metaPublicConfig(config, ws) : null,
    locale: ws.locale,
    expiresAt: new Date(ws.expiresAt).toISOString(),
    messageTargetOrigin: messageTargetOrigin(ws),
    // Public already (the page's CSP frame-ancestors lists them); the page verifies its parent with them.
    allowedOrigins: ws.allowedOrigins,
  };
}

/** The `qr` event of an engine QR, with the QR drawn as one SVG path by the server (unless the engine's thread drew it). */
export const qrPayload = (event: Extract<EngineEvent, { type: 'qr' }>): QrPayload => ({
  qr: event.qr,
  expiresAt: new Date(event.expiresAt).toISOString(),
  attempt: event.attempt,
  maxAttempts: event.maxAttempts,
  ...(event.svg ?? qrSvgPath(event.qr)),
});

/** The `pairing_code` event of an engine pairing code, shown as XXXX-XXXX. */
export const pairingCodePayload = (event: Extract<EngineEvent, { type: 'pairing_code' }>): PairingCodePayload => ({
  code: formatPairingCode(event.code),
  phoneNumber: event.phoneNumber,
  expiresAt: new Date(event.expiresAt).toISOString(),
});
