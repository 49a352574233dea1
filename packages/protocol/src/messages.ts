import type { TitanEventDetailMap, TitanEventName } from './dom-events.js';

/** `type` of every postMessage from the widget page to its parent. */
export const WIDGET_MESSAGE_TYPE = 'titan:widget';
export const WIDGET_MESSAGE_VERSION = 1;

interface WidgetMessageBase {
  type: typeof WIDGET_MESSAGE_TYPE;
  version: typeof WIDGET_MESSAGE_VERSION;
  /** The WhatsApp session name. */
  session: string;
}

/** The `detail` of a `titan-*` DOM event less its `session`, which every message has in its base. */
type DetailFields<K extends TitanEventName> = Omit<TitanEventDetailMap[K], 'session'>;

/**
 * Each postMessage event and the fields it carries besides the base. A message named after a
 * `titan-*` event carries that event's whole `detail`, so the loader relays it to its mount
 * target unchanged and the two embeddings fire the same detail.
 */
export interface WidgetMessageMap {
  ready: DetailFields<'titan-ready'>;
  resize: { height: number };
  status: DetailFields<'titan-status'>;
  /** `redirectUrl` is left out rather than null (the loader's guard takes a string or nothing). */
  connected: Omit<DetailFields<'titan-connected'>, 'redirectUrl'> & { redirectUrl?: string };
  error: DetailFields<'titan-error'>;
  expired: DetailFields<'titan-expired'>;
  close: {};
}
export type WidgetMessageEvent = keyof WidgetMessageMap;
export const WIDGET_MESSAGE_EVENTS = ['ready', 'resize', 'status', 'connected', 'error', 'expired', 'close'] as const satisfies readonly WidgetMessageEvent[];

/** The postMessage union: `{ type: 'titan:widget', version: 1, event, session, ... }`. */
export type WidgetMessage = {
  [K in WidgetMessageEvent]: WidgetMessageBase & { event: K } & WidgetMessageMap[K];
}[WidgetMessageEvent];

/** One member of the union by its event name. */
export type WidgetMessageOf<K extends WidgetMessageEvent> = Extract<WidgetMessage, { event: K }>;

/** Builds a message; the widget page is the only sender. */
export const widgetMessage = <K extends WidgetMessageEvent>(
  event: K,
  session: string,
  fields: WidgetMessageMap[K],
): WidgetMessageOf<K> =>
  ({ type: WIDGET_MESSAGE_TYPE, version: WIDGET_MESSAGE_VERSION, event, session, ...fields }) as unknown as WidgetMessageOf<K>;

/** Runtime guard for data received in a `message` event (shape only; origin and source are the receiver's job). */
export const isWidgetMessage = (data: unknown): data is WidgetMessage => {
  if (typeof data !== 'object' || data === null) return false;
  const m = data as Record<string, unknown>;
  if (m.type !== WIDGET_MESSAGE_TYPE || m.version !== WIDGET_MESSAGE_VERSION) return false;
  if (typeof m.session !== 'string') return false;
  if (!(WIDGET_MESSAGE_EVENTS as readonly unknown[]).includes(m.event)) return false;
  if (m.event === 'resize') return typeof m.height === 'number' && Number.isFinite(m.height) && m.height >= 0;
  if (m.event === 'error') return typeof m.code === 'string' && typeof m.message === 'string';
  if (m.event === 'connected') return typeof m.method === 'string' && (m.redirectUrl === undefined || typeof m.redirectUrl === 'string');
  return true;
};

/** `type` of the one message the other way: from the loader (the host page) to the widget page. */
export const HOST_MESSAGE_TYPE = 'titan:host';

/**
 * The loader's handshake, posted into its iframe with the widget URL's origin as targetOrigin
 * (in answer to each `ready`). The page takes the sender's origin from the `message` event
 * itself, never from the data: the browser vouches for `event.origin`, the data says nothing.
 */
export interface HostMessage {
  type: typeof HOST_MESSAGE_TYPE;
  version: typeof WIDGET_MESSAGE_VERSION;
  event: 'hello';
}

export const hostMessage = (): HostMessage => ({ type: HOST_MESSAGE_TYPE, version: WIDGET_MESSAGE_VERSION, event: 'hello' });

/** Runtime guard for the widget page's `message` listener (shape only; source and origin are the page's job). */
export const isHostMessage = (data: unknown): data is HostMessage => {
  if (typeof data !== 'object' || data === null) return false;
  const m = data as Record<string, unknown>;
  return m.type === HOST_MESSAGE_TYPE && m.version === WIDGET_MESSAGE_VERSION && m.event === 'hello';
};
