// The linking layer: widget session state machine, engine events → widget events, SSE fan-out.
// The contract is here; `LinkingService` (service.ts) implements it.
import type { ConnectedPayload, FailedPayload, WidgetEvent, WidgetEventMap, WidgetEventName, WidgetState } from '@titan-connect/protocol';
import type { AppDeps } from '../deps.js';
import type { SessionKey } from '../whatsapp/engine.js';
import { LinkingService } from './service.js';

/** One event as sent on the SSE stream of a widget session. */
export type SequencedEvent = WidgetEvent & { id: number };

/** An event before the service stamps it with the state after it (`data.state`). */
export type UnstampedEvent = {
  [K in WidgetEventName]: { event: K; data: K extends 'state' ? WidgetState : Omit<WidgetEventMap[K], 'state'> };
}[WidgetEventName];

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

/** The linking layer of an app; subscribes to `deps.engine` at once. */
export function createLinking(deps: AppDeps): Linking {
  return new LinkingService(deps);
}
