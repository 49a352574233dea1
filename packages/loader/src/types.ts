import type { WidgetMessage, WidgetMessageEvent, WidgetMessageOf } from '@titan-connect/protocol';

/** The `connected` message, plus a way for the host to keep the page where it is. */
export type ConnectedEvent = WidgetMessageOf<'connected'> & {
  /** Stops the loader from navigating the top window to `redirectUrl`. */
  preventDefault(): void;
};

/** What `on(event, fn)` hands to `fn`, by postMessage event name. */
export type LoaderEventMap = {
  [K in WidgetMessageEvent]: K extends 'connected' ? ConnectedEvent : WidgetMessageOf<K>;
};

export interface MountOptions {
  /** The `widgetUrl` your backend got from `POST /api/widget/sessions` (absolute http(s)). */
  widgetUrl: string;
  /**
   * Origins `widgetUrl` may be on (`https://titan.example.com`, no path). Default: the origin the
   * script-tag loader was served from; none (any origin) for the npm package. Any other is refused.
   */
  origins?: string[];
  /** Height in pixels until the widget reports its own (then it follows `resize`). Default 600. */
  height?: number;
  /** Every accepted message, in arrival order. */
  onEvent?: (message: WidgetMessage) => void;
  /** The number is linked. Call `event.preventDefault()` to stay on the page despite a `redirectUrl`. */
  onConnected?: (event: ConnectedEvent) => void;
  onError?: (message: WidgetMessageOf<'error'>) => void;
  onExpired?: (message: WidgetMessageOf<'expired'>) => void;
}

/** What `mount()` returns. Safe to keep after `destroy()`: every method stays callable. */
export interface WidgetHandle {
  /** The iframe, until `destroy()` removes it. */
  readonly iframe: HTMLIFrameElement;
  /** Removes the iframe and every listener; calling it again does nothing. */
  destroy(): void;
  /** Subscribes to one postMessage event (`'connected'`, `'resize'`, `'status'`, ...). */
  on<K extends WidgetMessageEvent>(event: K, fn: (message: LoaderEventMap[K]) => void): void;
}

/**
 * DOM events dispatched (bubbling, cancelable) on the mount target: `titan-<event>` for every
 * message, the message as `detail`. For the `titan-*` events of `<titan-connect-widget>`
 * (`TitanEventDetailMap` in @titan-connect/protocol) the message holds the element's `detail`
 * field for field, plus `type`, `version` and `event`, so one listener serves both embeddings.
 * Cancelling `titan-connected` works like `preventDefault()` in `onConnected`. Not merged into
 * the global event maps: there the element declares its event classes, and both packages may
 * share one program.
 *
 * ```ts
 * target.addEventListener('titan-connected', (e) => {
 *   const { detail } = e as TitanDomEventMap['titan-connected'];
 * });
 * ```
 */
export type TitanDomEventMap = {
  [K in WidgetMessageEvent as `titan-${K}`]: CustomEvent<LoaderEventMap[K]>;
};
