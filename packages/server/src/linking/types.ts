// The linking layer's contract: widget session state machine, engine events → widget events,
// SSE fan-out. `LinkingService` (service.ts) implements it.
import type { ConnectedPayload, FailedPayload, WidgetEvent, WidgetEventMap, WidgetEventName, WidgetState } from '@titan-connect/protocol';
import type { CloudApiConnection } from '../meta/embedded-signup.js';
import type { SessionKey } from '../whatsapp/engine.js';

/** One event as sent on the SSE stream of a widget session. */
export type SequencedEvent = WidgetEvent & { id: number };

/** An event before the service stamps it with the state after it (`data.state`). */
export type UnstampedEvent = {
  [K in WidgetEventName]: { event: K; data: K extends 'state' ? WidgetState : Omit<WidgetEventMap[K], 'state'> };
}[WidgetEventName];

export interface Linking {
  /** Starts linking for a widget session the first time the widget asks (idempotent). */
  ensureStarted(widgetSessionId: string): Promise<void>;
  /** The snapshot of `GET /widget/api/state`. */
  state(widgetSessionId: string): Promise<WidgetState>;
  /**
   * Streams a widget session's events: `state` first, then every event after `lastEventId`
   * (or only new ones when null). Resolves to the unsubscribe function. `end` is called once the
   * widget session expires (or the service closes): the stream must close then.
   */
  subscribe(widgetSessionId: string, lastEventId: number | null, send: (event: SequencedEvent) => void, end?: () => void): Promise<() => void>;
  /** `phoneNumber` is digits only, already validated. */
  requestPairingCode(widgetSessionId: string, phoneNumber: string): Promise<void>;
  restartQr(widgetSessionId: string): Promise<void>;
  /** Cloud API finish: marks the session CONNECTED (method `cloud-api`) and emits `connected`. */
  connectCloudApi(widgetSessionId: string, connection: CloudApiConnection): Promise<ConnectedPayload>;
  /** Emits `failed` to a widget session (e.g. a Graph API error). */
  fail(widgetSessionId: string, failure: FailedPayload): Promise<void>;
  /** The WhatsApp session was deleted (its row is gone): its open widgets learn it and stop. */
  sessionDeleted(key: SessionKey): Promise<void>;
  /** On start-up: reconnect CONNECTED sessions, resume widget sessions that were mid-linking. */
  resume(): Promise<void>;
  /**
   * Cluster mode: this instance has just taken `key` over (its owner died or left). As `resume`
   * for one session: a linked one reconnects from its creds; one mid-link gets a fresh QR cycle on
   * each live widget session; one mid-link with no widget left ends (DISCONNECTED).
   */
  adopt(key: SessionKey): Promise<void>;
  close(): Promise<void>;
}

/** Watches a `LinkingService` from outside (cluster mode's event bus). Must not throw. */
export interface LinkingObserver {
  /** Every sequenced event of a widget session, with the full state after it. */
  event(widgetSessionId: string, event: SequencedEvent, state: WidgetState): void;
  /** The widget session expired: its streams end after `lastEventId`. */
  ended(widgetSessionId: string, lastEventId: number): void;
  /** The highest event id already sent for a widget session (by any instance); ids go on above it. */
  lastPublishedId?(widgetSessionId: string): Promise<number>;
}
