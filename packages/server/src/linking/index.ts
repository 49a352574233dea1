// The linking layer: widget session state machine, engine events → widget events, SSE fan-out.
// (Stub with the contract; the engines issue builds it.)
import type { ConnectedPayload, FailedPayload, WidgetEvent, WidgetState } from '@titan-connect/protocol';
import type { AppDeps } from '../deps.js';
import { HttpError } from '../errors.js';
import type { SessionKey } from '../whatsapp/engine.js';

/** One event as sent on the SSE stream of a widget session. */
export type SequencedEvent = WidgetEvent & { id: number };

/** Cloud API result that marks a WhatsApp session CONNECTED with method `cloud-api`. */
export interface CloudApiConnection {
  phone: string | null;
  pushName: string | null;
  wabaId: string;
  phoneNumberId: string | null;
  /** JSON for `wa_sessions.cloud_api` (business token already encrypted). */
  stored: string;
}

export interface Linking {
  /** Starts linking for a widget session the first time the widget asks (idempotent). */
  ensureStarted(widgetSessionId: string): Promise<void>;
  /** The snapshot of `GET /widget/api/state`. */
  state(widgetSessionId: string): WidgetState;
  /**
   * Streams a widget session's events: `state` first, then every event after `lastEventId`
   * (or only new ones when null). Returns the unsubscribe function.
   */
  subscribe(widgetSessionId: string, lastEventId: number | null, send: (event: SequencedEvent) => void): () => void;
  /** `phoneNumber` is digits only, already validated. */
  requestPairingCode(widgetSessionId: string, phoneNumber: string): Promise<void>;
  restartQr(widgetSessionId: string): Promise<void>;
  /** Cloud API finish: marks the session CONNECTED (method `cloud-api`) and emits `connected`. */
  connectCloudApi(widgetSessionId: string, connection: CloudApiConnection): ConnectedPayload;
  /** Emits `failed` to a widget session (e.g. a Graph API error). */
  fail(widgetSessionId: string, failure: FailedPayload): void;
  logout(key: SessionKey): Promise<void>;
  sendText(key: SessionKey, to: string, text: string): Promise<string>;
  /** On start-up: reconnect CONNECTED sessions, resume widget sessions that were mid-linking. */
  resume(): Promise<void>;
  close(): Promise<void>;
}

const notBuilt = (): never => {
  throw new HttpError(501, 'NOT_IMPLEMENTED', 'Linking is not built yet.');
};

export function createLinking(_deps: AppDeps): Linking {
  return {
    ensureStarted: async () => notBuilt(),
    state: notBuilt,
    subscribe: notBuilt,
    requestPairingCode: async () => notBuilt(),
    restartQr: async () => notBuilt(),
    connectCloudApi: notBuilt,
    fail: notBuilt,
    logout: async () => notBuilt(),
    sendText: async () => notBuilt(),
    resume: async () => {},
    close: async () => {},
  };
}
