// The element's DOM events: one class each, bubbling and composed so they cross shadow roots and
// reach `document`. The postMessage union for the iframe's parent is in @titan-connect/protocol.
import type { ConnectedPayload, ExpiredPayload, SessionStatus, StatusReason, WidgetMode } from '@titan-connect/protocol';

const init = { bubbles: true, composed: true } as const;

/** The first session state arrived: the widget is showing its flow. */
export class TitanReadyEvent extends Event {
  constructor(readonly detail: { session: string; mode: WidgetMode }) {
    super('titan-ready', init);
  }
}

/** The WhatsApp session's status or reason changed. */
export class TitanStatusEvent extends Event {
  constructor(readonly detail: { session: string; status: SessionStatus; statusReason: StatusReason | null }) {
    super('titan-status', init);
  }
}

/** The number is linked. Cancelable: `preventDefault()` stops a top-level page's redirect. */
export class TitanConnectedEvent extends Event {
  constructor(readonly detail: ConnectedPayload) {
    super('titan-connected', { ...init, cancelable: true });
  }
}

/** Linking failed (a `failed` event); `retryable` says whether the widget offers a retry. */
export class TitanErrorEvent extends Event {
  constructor(readonly detail: { session: string; code: string; message: string; retryable: boolean }) {
    super('titan-error', init);
  }
}

/** The QR cycle timed out (`QR_TIMEOUT`) or the widget token expired (`TOKEN_EXPIRED`). */
export class TitanExpiredEvent extends Event {
  constructor(readonly detail: { session: string } & ExpiredPayload) {
    super('titan-expired', init);
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'titan-ready': TitanReadyEvent;
    'titan-status': TitanStatusEvent;
    'titan-connected': TitanConnectedEvent;
    'titan-error': TitanErrorEvent;
    'titan-expired': TitanExpiredEvent;
  }
}
