import type { LinkMethod } from './modes.js';
import type { SessionStatus, StatusReason } from './session.js';

/** `type` of every postMessage from the widget page to its parent. */
export const WIDGET_MESSAGE_TYPE = 'titan:widget';
export const WIDGET_MESSAGE_VERSION = 1;

interface WidgetMessageBase {
  type: typeof WIDGET_MESSAGE_TYPE;
  version: typeof WIDGET_MESSAGE_VERSION;
  /** The WhatsApp session name. */
  session: string;
}

/** Each postMessage event and the fields it carries besides the base. */
export interface WidgetMessageMap {
  ready: {};
  resize: { height: number };
  status: { status: SessionStatus; statusReason: StatusReason | null };
  connected: { method: LinkMethod; phone: string | null; redirectUrl?: string };
  error: { error: { code: string; message: string } };
  expired: { reason: 'QR_TIMEOUT' | 'TOKEN_EXPIRED' };
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
  if (m.event === 'error') {
    const e = m.error as Record<string, unknown> | null;
    return typeof e === 'object' && e !== null && typeof e.code === 'string' && typeof e.message === 'string';
  }
  if (m.event === 'connected') return typeof m.method === 'string' && (m.redirectUrl === undefined || typeof m.redirectUrl === 'string');
  return true;
};
