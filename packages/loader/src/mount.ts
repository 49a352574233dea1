import type { WidgetMessage } from '@titan-connect/protocol';
import { isMessage } from './guard.js';
import { navigation } from './navigate.js';
import type { ConnectedEvent, MountOptions, WidgetHandle } from './types.js';

// Written for the 1 KB min+gzip budget of /widget/loader.js: closures, no classes, no helpers
// that terser cannot inline. `bench/loader.bench.ts` and `bundle-size.test.ts` watch the figure.

/** The live handle per target, so a second mount replaces the first instead of stacking. */
const mounted = new WeakMap<Element, WidgetHandle>();

/** Messages that are also DOM events (`titan-<event>`) and have an `on<Event>` callback. */
const CALLBACKS: Record<string, keyof MountOptions> = {
  ready: 'onReady',
  connected: 'onConnected',
  error: 'onError',
  expired: 'onExpired',
};

/**
 * Puts the widget in `target` (an element or a selector) as an iframe and relays its messages.
 * A `<script>` target gets the iframe right after itself. Mounting into a target that already
 * holds a widget replaces it.
 */
export const mount = (target: Element | string, options: MountOptions): WidgetHandle => {
  const host = typeof target == 'string' ? document.querySelector(target) : target;
  if (!host) throw new Error('TitanWidget: no element ' + target);
  const { widgetUrl } = options;
  let origin: string | undefined;
  try {
    const url = new URL(widgetUrl);
    if (/^https?:$/.test(url.protocol)) origin = url.origin;
  } catch {}
  if (!origin) throw new TypeError('TitanWidget: widgetUrl is not an absolute http(s) URL: ' + widgetUrl);

  mounted.get(host)?.destroy();
  const frame = document.createElement('iframe');
  frame.title = 'Connect WhatsApp';
  frame.allow = 'clipboard-write';
  frame.style.cssText = `display:block;border:0;width:100%;height:${options.height || 600}px`;
  frame.src = widgetUrl;
  const subscriptions: [string, (message: any) => void][] = [];

  const onMessage = ({ source, origin: from, data }: MessageEvent) => {
    // Only our own iframe, only from the widget's origin, only the protocol's shape: anything
    // else (other frames, the host page, a frame navigated elsewhere) is dropped silently.
    if (source !== frame.contentWindow || from !== origin || !isMessage(data)) return;
    let message: WidgetMessage = data;
    let prevented: unknown;
    const { event } = message;
    if (message.event == 'resize') frame.style.height = message.height + 'px';
    if (event == 'connected') message = { ...message, preventDefault: () => (prevented = 1) } as ConnectedEvent;
    options.onEvent?.(message);
    for (const [name, fn] of subscriptions) if (name == event) fn(message);
    const callback = CALLBACKS[event];
    if (callback) {
      (options[callback] as any)?.(message);
      // A cancelled `titan-connected` also keeps the page: that is how script-tag users opt out.
      if (!host.dispatchEvent(new CustomEvent('titan-' + event, { detail: message, bubbles: true, cancelable: true }))) prevented = 1;
    }
    // The server validated the callback URL; the http(s) check stops a `javascript:` URL anyway.
    const redirect = message.event == 'connected' && message.redirectUrl;
    if (redirect && !prevented && /^https?:/i.test(redirect)) navigation.go(redirect);
  };

  addEventListener('message', onMessage);
  host.tagName == 'SCRIPT' ? host.after(frame) : host.append(frame);
  const handle: WidgetHandle = {
    iframe: frame,
    // Both steps are no-ops the second time, which is what makes `destroy()` safe to repeat.
    destroy() {
      removeEventListener('message', onMessage);
      frame.remove();
    },
    on(event, fn) {
      subscriptions.push([event, fn]);
    },
  };
  mounted.set(host, handle);
  return handle;
};
