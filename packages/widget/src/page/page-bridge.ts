// The hosted page's side of the contract: tells the framing app what happens (postMessage union
// of @titan-connect/protocol), keeps the iframe exactly as tall as the widget, and, when the page
// is opened top-level, follows the session's callback after connecting.
//
// Personal data (the phone number and WhatsApp name in `connected`) never goes to `*`. It goes to
// the parent's origin once verified (the loader's `hello` came from `window.parent`, from an
// origin in the session's `allowedOrigins`), or to the session's single allowed origin (the
// browser delivers only there). Otherwise `connected` still goes out, to `*`, with `phone` and
// `pushName` null: the host learns that and how it linked, and reads the number from its backend.
import { isHostMessage, widgetMessage, type WidgetMessage, type WidgetMessageOf } from '@titan-connect/protocol';
import type { TitanConnectWidget } from '../connect-widget/connect-widget.component.js';

/**
 * How long a `connected` waits for the loader's `hello` when a verified parent could still change
 * where it may go (several allowed origins, no hello yet). The loader answers `ready` at once, so
 * this only runs out for a page framed without the loader; then the message goes without the phone.
 */
export const HANDSHAKE_WAIT_MS = 1000;

/** The parts of `window` the bridge uses (a seam for tests). */
export interface PageWindow {
  parent: { postMessage(message: WidgetMessage, targetOrigin: string): void };
  location: { assign(url: string): void };
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}

export interface PageBridge {
  disconnect(): void;
}

export function bridgePage(widget: TitanConnectWidget, win: PageWindow = window as unknown as PageWindow): PageBridge {
  const framed = (win.parent as unknown) !== win;
  let ready = false;
  let lastHeight = -1;
  // The origin of the loader's `hello`, as the browser reported it; unset until one arrives.
  let parentOrigin: string | undefined;
  // A `connected` waiting for the hello, and the timer that sends it without one.
  let held: (() => void) | undefined;
  let heldTimer: ReturnType<typeof setTimeout> | undefined;

  const allowedOrigins = () => widget.state?.allowedOrigins ?? [];
  /** The verified parent origin, else the server's choice (the single allowed origin, or `*`). */
  const targetOrigin = () =>
    parentOrigin !== undefined && allowedOrigins().includes(parentOrigin) ? parentOrigin : (widget.state?.messageTargetOrigin ?? '*');

  const post = (message: WidgetMessage) => {
    if (framed) win.parent.postMessage(message, targetOrigin());
  };
  const postConnected = (message: WidgetMessageOf<'connected'>) =>
    post(targetOrigin() === '*' ? { ...message, phone: null, pushName: null } : message);
  const release = () => {
    clearTimeout(heldTimer);
    const send = held;
    held = undefined;
    send?.();
  };
  const onHostMessage = ({ source, origin, data }: MessageEvent) => {
    // Only the window that frames us counts: another frame's hello would vouch for nothing.
    if (source !== (win.parent as unknown) || !isHostMessage(data)) return;
    parentOrigin = origin;
    release();
  };
  win.addEventListener('message', onHostMessage);
  const session = () => widget.state?.session ?? '';

  const measure = () => {
    // The widget's box plus the body's margins: the whole page, so the iframe never scrolls.
    const body = getComputedStyle(document.body);
    const height = Math.ceil(widget.getBoundingClientRect().height + parseFloat(body.marginTop) + parseFloat(body.marginBottom));
    if (!ready || height === lastHeight) return;
    lastHeight = height;
    post(widgetMessage('resize', session(), { height }));
  };

  const listeners: { [K in keyof GlobalEventHandlersEventMap]?: (event: GlobalEventHandlersEventMap[K]) => void } = {
    // Each message carries its event's whole `detail` (less `session`, in every message's base),
    // which the loader relays unchanged: the framing app's listeners see what the element's see.
    'titan-ready': ({ detail }) => {
      ready = true;
      post(widgetMessage('ready', session(), { mode: detail.mode }));
      measure();
    },
    'titan-status': ({ detail }) => post(widgetMessage('status', detail.session, { status: detail.status, statusReason: detail.statusReason })),
    'titan-connected': (event) => {
      const { session: name, redirectUrl, ...detail } = event.detail;
      const message = widgetMessage('connected', name, { ...detail, ...(redirectUrl ? { redirectUrl } : {}) });
      // Wait only while a hello could still make a difference; a page framed without the loader
      // (or by a disallowed origin that never says hello) gets it phone-less after the wait.
      if (framed && parentOrigin === undefined && targetOrigin() === '*' && allowedOrigins().length > 1) {
        held = () => postConnected(message);
        heldTimer = setTimeout(release, HANDSHAKE_WAIT_MS);
      } else postConnected(message);
      // Framed, the loader navigates the top window (the host may veto); top-level, we go ourselves.
      if (!framed && redirectUrl && !event.defaultPrevented) win.location.assign(redirectUrl);
    },
    'titan-error': ({ detail: { session: name, ...detail } }) => post(widgetMessage('error', name, detail)),
    'titan-expired': ({ detail }) => post(widgetMessage('expired', detail.session || session(), { reason: detail.reason })),
  };
  for (const [name, listener] of Object.entries(listeners)) widget.addEventListener(name, listener as EventListener);

  const observer = new ResizeObserver(measure);
  observer.observe(widget);

  return {
    disconnect() {
      observer.disconnect();
      clearTimeout(heldTimer);
      win.removeEventListener('message', onHostMessage);
      for (const [name, listener] of Object.entries(listeners)) widget.removeEventListener(name, listener as EventListener);
    },
  };
}
