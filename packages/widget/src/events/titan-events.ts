// The element's DOM events: one class each, bubbling and composed so they cross shadow roots and
// reach `document`. Their `detail` shapes are @titan-connect/protocol's `TitanEventDetailMap`,
// which the loader's mount target fires too; the postMessage union is there as well.
import type { TitanEventDetailMap } from '@titan-connect/protocol';

const init = { bubbles: true, composed: true } as const;

/** The first session state arrived: the widget is showing its flow. */
export class TitanReadyEvent extends Event {
  constructor(readonly detail: TitanEventDetailMap['titan-ready']) {
    super('titan-ready', init);
  }
}

/** The WhatsApp session's status or reason changed. */
export class TitanStatusEvent extends Event {
  constructor(readonly detail: TitanEventDetailMap['titan-status']) {
    super('titan-status', init);
  }
}

/** The number is linked. Cancelable: `preventDefault()` stops a top-level page's redirect. */
export class TitanConnectedEvent extends Event {
  constructor(readonly detail: TitanEventDetailMap['titan-connected']) {
    super('titan-connected', { ...init, cancelable: true });
  }
}

/** Linking failed (a `failed` event); `retryable` says whether the widget offers a retry. */
export class TitanErrorEvent extends Event {
  constructor(readonly detail: TitanEventDetailMap['titan-error']) {
    super('titan-error', init);
  }
}

/** The QR cycle timed out (`QR_TIMEOUT`) or the widget token expired (`TOKEN_EXPIRED`). */
export class TitanExpiredEvent extends Event {
  constructor(readonly detail: TitanEventDetailMap['titan-expired']) {
    super('titan-expired', init);
  }
}

/** Each `titan-*` event name and the class the element dispatches it as. */
export interface TitanEventMap {
  'titan-ready': TitanReadyEvent;
  'titan-status': TitanStatusEvent;
  'titan-connected': TitanConnectedEvent;
  'titan-error': TitanErrorEvent;
  'titan-expired': TitanExpiredEvent;
}

export type { TitanEventDetailMap } from '@titan-connect/protocol';

// `addEventListener('titan-connected', (e) => e.detail.phone)` type-checks on any element,
// `document` and `window` (HTMLElementEventMap extends GlobalEventHandlersEventMap; it is named
// too so code that looks it up directly finds the events).
declare global {
  interface GlobalEventHandlersEventMap extends TitanEventMap {}
  interface HTMLElementEventMap extends TitanEventMap {}
}
