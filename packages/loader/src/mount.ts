import { isMessage } from './guard.js';
import { navigation } from './navigate.js';
import type { MountOptions, WidgetHandle } from './types.js';

// Written for the 1 KB min+gzip budget of /widget/loader.js: closures, no classes, loose types
// inside (the public types live in types.ts). `bundle-size.test.ts` fails over budget.

/**
 * Puts the widget in `target` (an element or a selector) as an iframe and relays its messages.
 * A `<script>` target gets the iframe right after itself. Mounting into a target that already
 * holds a widget replaces it.
 */
export const mount = (target: Element | string, options: MountOptions): WidgetHandle => {
  const host = typeof target == 'string' ? document.querySelector(target) : target;
  if (!host) throw Error('TitanWidget: no element ' + target);
  const { widgetUrl } = options;
  // The dot: "http://" alone is not a URL. The rare string that passes and still does not parse
  // (a space in the host) gets the TypeError of `new URL` itself.
  if (!/^https?:\/\/./i.test(widgetUrl)) throw TypeError('TitanWidget: widgetUrl is not absolute http(s): ' + widgetUrl);
  const origin = new URL(widgetUrl).origin;

  // The live handle sits on the target, so a second mount replaces the first instead of
  // stacking, even when two copies of the loader (script tag and npm) share the page.
  (host as any).titanWidget?.destroy();
  const frame = document.createElement('iframe');
  frame.title = 'Connect WhatsApp';
  frame.allow = 'clipboard-write';
  frame.style.cssText = `border:0;width:100%;height:${options.height || 600}px`;
  frame.src = widgetUrl;
  // Per event, its callback and `on()` subscribers; seeded with the callbacks.
  const subscribers: Record<string, (((message: any) => void) | undefined)[]> = {
    connected: [options.onConnected],
    error: [options.onError],
    expired: [options.onExpired],
  };

  const onMessage = ({ source, origin: from, data: message }: MessageEvent) => {
    // Only our own iframe, only from the widget's origin, only the protocol's shape: anything
    // else (other frames, the host page, a frame navigated elsewhere) is dropped silently.
    if (source !== frame.contentWindow || from !== origin || !isMessage(message)) return;
    const { event, redirectUrl } = message;
    let prevented: unknown;
    if (event == 'resize') frame.style.height = message.height + 'px';
    if (event == 'connected') message.preventDefault = () => (prevented = 1);
    options.onEvent?.(message);
    subscribers[event]?.map((fn) => fn?.(message));
    // Every message is also a `titan-<event>` DOM event (the contract names ready, connected,
    // error and expired; the others come free). Cancelling `titan-connected` keeps the page:
    // that is how script-tag users opt out of the redirect.
    if (!host.dispatchEvent(new CustomEvent('titan-' + event, { detail: message, bubbles: true, cancelable: true }))) prevented = 1;
    // Only `connected` carries `redirectUrl` (the guard checked it is a string). The server
    // validated the callback URL; the http(s) test stops a `javascript:` URL all the same.
    if (event == 'connected' && /^https?:/i.test(redirectUrl) && !prevented) navigation.go(redirectUrl);
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
      (subscribers[event] ||= []).push(fn);
    },
  };
  return ((host as any).titanWidget = handle);
};
