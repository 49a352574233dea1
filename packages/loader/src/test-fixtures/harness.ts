// Shared helpers of the loader's browser tests: mocha globals (web-test-runner provides them),
// a tiny assert, and a fake widget page served by the test runner at the page's own origin.
import type { WidgetMessage } from '@titan-connect/protocol';
import { mount } from '../mount.js';
import { navigation } from '../navigate.js';
import type { MountOptions, WidgetHandle } from '../types.js';

declare global {
  function describe(name: string, body: () => void): void;
  function it(name: string, body: () => void | Promise<void>): void;
  function afterEach(body: () => void | Promise<void>): void;
  function beforeEach(body: () => void | Promise<void>): void;
}

export const FAKE_WIDGET_PATH = '/packages/loader/src/test-fixtures/fake-widget.html';

/** The fake widget's URL, at this page's origin (which is then the widget origin). */
export const fakeWidgetUrl = (query = ''): string => `${location.origin}${FAKE_WIDGET_PATH}${query}`;

export const msg = (event: string, fields: Record<string, unknown> = {}, session = 'test-session'): WidgetMessage =>
  ({ type: 'titan:widget', version: 1, event, session, ...fields }) as unknown as WidgetMessage;

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`Assertion failed: ${message}`);
}

export const equal = <T>(actual: T, expected: T, what: string): void =>
  assert(Object.is(actual, expected), `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);

export const throws = (fn: () => unknown, pattern: RegExp, what: string): Error => {
  try {
    fn();
  } catch (error) {
    assert(error instanceof Error && pattern.test(error.message), `${what}: wrong error ${String(error)}`);
    return error;
  }
  throw new Error(`${what}: did not throw`);
};

/** Resolves with the next `message` event on this window that `match` accepts. */
export const nextMessage = (match: (event: MessageEvent) => boolean, what = 'message'): Promise<MessageEvent> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      removeEventListener('message', listener);
      reject(new Error(`timed out waiting for ${what}`));
    }, 5000);
    const listener = (event: MessageEvent) => {
      if (!match(event)) return;
      clearTimeout(timer);
      removeEventListener('message', listener);
      resolve(event);
    };
    addEventListener('message', listener);
  });

/** Polls `check` until it returns true. */
export const waitFor = async (check: () => boolean, what: string): Promise<void> => {
  for (let i = 0; i < 500; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
};

/** Asks the fake widget in `frame` to post `data` to its parent; resolves once it arrived here. */
export const widgetPosts = (frame: HTMLIFrameElement, data: unknown): Promise<MessageEvent> => {
  const arrived = nextMessage((e) => e.source === frame.contentWindow && JSON.stringify(e.data) === JSON.stringify(data), 'the posted message');
  frame.contentWindow!.postMessage({ post: data }, '*');
  return arrived;
};

/** A fresh, attached container; removed after each test by `cleanup()`. */
const containers: HTMLElement[] = [];
export const container = (id?: string): HTMLDivElement => {
  const div = document.createElement('div');
  if (id) div.id = id;
  document.body.append(div);
  containers.push(div);
  return div;
};
export const cleanup = (): void => {
  for (const div of containers.splice(0)) div.remove();
};

/**
 * Counts the `message` listeners added to and removed from `window` while installed.
 * `mount()` calls the global `addEventListener`, which finds these own properties first.
 */
export const spyOnMessageListeners = () => {
  const active = new Set<unknown>();
  const { addEventListener: add, removeEventListener: remove } = window;
  window.addEventListener = function (this: Window, type: string, listener: any, options?: any) {
    if (type === 'message') active.add(listener);
    return add.call(this, type, listener, options);
  } as typeof add;
  window.removeEventListener = function (this: Window, type: string, listener: any, options?: any) {
    if (type === 'message') active.delete(listener);
    return remove.call(this, type, listener, options);
  } as typeof remove;
  return {
    get count() {
      return active.size;
    },
    restore() {
      delete (window as any).addEventListener;
      delete (window as any).removeEventListener;
    },
  };
};

/** Mounts the fake widget into `target` and waits until its `ready` has gone through the loader. */
export const mountReady = async (target: HTMLElement, options: Partial<MountOptions> = {}): Promise<WidgetHandle> => {
  const ready = new Promise((resolve) => target.addEventListener('titan-ready', resolve, { once: true }));
  const handle = mount(target, { widgetUrl: fakeWidgetUrl(), ...options });
  await ready;
  return handle;
};

/**
 * Replaces the redirect for each test of the file: the URLs the loader would have navigated to
 * collect in the returned array and the test page never leaves.
 */
export const recordNavigations = (): string[] => {
  const navigations: string[] = [];
  const realGo = navigation.go;
  beforeEach(() => {
    navigations.length = 0;
    navigation.go = (url) => void navigations.push(url);
  });
  afterEach(() => {
    navigation.go = realGo;
  });
  return navigations;
};
