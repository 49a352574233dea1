import { isMessage } from './guard.js';
import { navigation } from './navigate.js';
import type { MountOptions, WidgetHandle } from './types.js';

// Written for the 1.25 KB min+gzip budget of /widget/loader.js: closures, no classes, loose types
// inside (the public types live in types.ts). `bundle-size.test.ts` fails over budget.

/**
 * Puts the widget in `target` (an element or a selector) as an iframe and relays its messages.
 * A `<script>` target gets the iframe right after itself. Mounting into a target that already
 * holds a widget replaces it.
 */
/**
 * The origin `/widget/loader.js` was served from (`auto.ts` records it from
 * `document.currentScript`); empty in the npm package, which has no origin of its own.
 */
export const loaderOrigins: string[] = [];

/**
 * Puts the widget in `target` (an element or a selector) as an iframe and relays its messages.
 * A `<script>` target gets the iframe right after itself. Mounting into a target that already
 * holds a widget replaces it.
 *
 * Only widget URLs on an allowed origin are mounted: `options.origins`, else the loader's own
 * origin when it has one (the script tag), else any (the npm package: the app's own code chose
 * the URL). A refused URL mounts nothing: a console warning, then an `error` message
 * (`ORIGIN_NOT_ALLOWED`) to `onError`, `on('error')` and `titan-error`.
 */
export const mount = (target: Element | string, options: MountOptions): WidgetHandle => {
  const host = typeof target == 'string' ? document.querySelector(target) : target;
  if (!host) throw Error('TitanWidget: no element ' + target);
  const { widgetUrl } = options;
  // The dot: "http://" alone is not a URL. The rare string that passes and still does not parse
  // (a space in the host) gets the TypeError of `new URL` itself.
  if (!/^https?:\/\/./i.test(widgetUrl)) throw TypeError('TitanWidget: widgetUrl is not absolute http(s): ' + widgetUrl);
  const origin = new URL(widgetUrl).origin;
  // `concat`: a plain-JS caller's single string becomes a list, not a string whose `includes`
  // would accept any part of it.
  const allowed = options.origins ? ([] as string[]).concat(options.origins) : loaderOrigins[0] && loaderOrigins;

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

  const relay = (message: any) => {
    const { event, redirectUrl } = message;
    let prevented: unknown;
    if (event == 'resize') frame.style.height = message.height + 'px';
    if (event == 'connected') message.preventDefault = () => (prevented = 1);
    // The handshake (HostMessage in @titan-connect/protocol), to the widget's origin only: the
    // page learns ours from the event and, if the session allows it, posts the phone number to
    // us alone. Each `ready` is answered: the page listens by then, even after a reload.
    if (event == 'ready') frame.contentWindow!.postMessage({ type: 'titan:host', version: 1, event: 'hello' }, origin);
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
  // Only our own iframe, only from the widget's origin, only the protocol's shape: anything
  // else (other frames, the host page, a frame navigated elsewhere) is dropped silently.
  const onMessage = ({ source, origin: from, data }: MessageEvent) => {
    if (source === frame.contentWindow && from === origin && isMessage(data)) relay(data);
  };

  if (allowed && !allowed.includes(origin)) {
    // Markup injected into the page (`data-widget-url` survives HTML sanitisers) must not frame
    // a foreign page: that page could post `connected` with a redirect for the top window.
    const message = 'TitanWidget: widget origin not allowed: ' + origin;
    console.warn(message);
    // Later, so `on('error')` and listeners added right after this call hear it too.
    setTimeout(relay, 0, { type: 'titan:widget', version: 1, event: 'error', session: '', code: 'ORIGIN_NOT_ALLOWED', message, retryable: false });
  } else {
    addEventListener('message', onMessage);
    host.tagName == 'SCRIPT' ? host.after(frame) : host.append(frame);
  }
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
