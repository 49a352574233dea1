// The hosted page's side of the contract: tells the framing app what happens (postMessage union
// of @titan-connect/protocol), keeps the iframe exactly as tall as the widget, and, when the page
// is opened top-level, follows the session's callback after connecting.
import { widgetMessage, type WidgetMessage } from '@titan-connect/protocol';
import type { TitanConnectWidget } from '../connect-widget/connect-widget.component.js';

/** The parts of `window` the bridge uses (a seam for tests). */
export interface PageWindow {
  parent: { postMessage(message: WidgetMessage, targetOrigin: string): void };
  location: { assign(url: string): void };
}

export interface PageBridge {
  disconnect(): void;
}

export function bridgePage(widget: TitanConnectWidget, win: PageWindow = window as unknown as PageWindow): PageBridge {
  const framed = (win.parent as unknown) !== win;
  let ready = false;
  let lastHeight = -1;

  const post = (message: WidgetMessage) => {
    const target = widget.state?.messageTargetOrigin ?? '*';
    if (framed) win.parent.postMessage(message, target);
  };
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
      post(widgetMessage('connected', name, { ...detail, ...(redirectUrl ? { redirectUrl } : {}) }));
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
      for (const [name, listener] of Object.entries(listeners)) widget.removeEventListener(name, listener as EventListener);
    },
  };
}
