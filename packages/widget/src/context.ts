// Session state shared by the element and its sub-views (`@lit/context`), so each panel is a small
// element that reads what it needs instead of being handed a dozen properties.
import { ContextConsumer, createContext } from '@lit/context';
import type { ReactiveElement } from 'lit';
import type { CloudApiFinishRequest, ConnectedPayload, LinkMethod, PairingCodePayload, WidgetState } from '@titan-connect/protocol';

/** Whether the event stream is live. `reconnecting`: it dropped and is being resumed. */
export type Connection = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface WidgetActions {
  /** POST /widget/api/pairing-code; rejects with a `WidgetApiError` (400 message, 429 `retryAfter`). */
  requestPairingCode(phoneNumber: string): Promise<PairingCodePayload | null>;
  /** POST /widget/api/qr/restart after `QR_TIMEOUT`, or to retry a retryable failure. */
  restartQr(): Promise<void>;
  /** POST /widget/api/cloud-api (Embedded Signup's code + session info); rejects with a `WidgetApiError` (502 carries Meta's message). */
  finishCloudApi(request: CloudApiFinishRequest): Promise<ConnectedPayload | null>;
  /** Switches the visible method (the tabs, and "Link with phone number instead"). */
  selectMethod(method: LinkMethod): void;
}

export interface WidgetContext {
  state: WidgetState | null;
  connection: Connection;
  /** The method panel on show. */
  method: LinkMethod;
  /** BCP 47 tag in use, for number and country-name formatting. */
  locale: string;
  actions: WidgetActions;
}

export const widgetContext = createContext<WidgetContext>(Symbol('titan-widget'));

/**
 * A sub-view's view of the widget context; it re-renders its host on every change. (A controller,
 * not the `@consume` decorator: same behaviour, without the decorator's code in the page budget.)
 */
export const consumeWidgetContext = (host: ReactiveElement) => new ContextConsumer(host, { context: widgetContext, subscribe: true });
