// What must never reach the host: messages from another frame, another origin or the host page
// itself; and the redirect after `connected`, which the host can always veto.
import type { MountOptions, WidgetHandle } from './types.js';
import { assert, cleanup, container, equal, fakeWidgetUrl, mountReady, msg, nextMessage, recordNavigations, widgetPosts } from './test-fixtures/harness.js';

/** A page of another (opaque) origin that posts `message` to its parent as soon as it loads. */
const foreignPage = (message: unknown): string =>
  `data:text/html,${encodeURIComponent(`<script>parent.postMessage(${JSON.stringify(message)}, '*')</script>`)}`;

const navigations = recordNavigations();
afterEach(cleanup);

const CONNECTED = msg('connected', { method: 'qr', phone: '5511912345678', redirectUrl: 'https://app.example.com/done?session=s&status=connected&method=qr' });

/** A host whose every reaction to `connected` is recorded. */
const watchedHost = async () => {
  const target = container();
  const reached: string[] = [];
  target.addEventListener('titan-connected', () => reached.push('titan-connected'));
  const handle = await mountReady(target, { onConnected: () => reached.push('onConnected'), onEvent: (m) => reached.push(`onEvent:${m.event}`) });
  handle.on('connected', () => reached.push('on:connected'));
  reached.length = 0; // forget `ready`
  return { target, handle, reached };
};

describe('messages that are not from the mounted widget', () => {
  it('ignores a message the host page posts to itself', async () => {
    const { reached } = await watchedHost();
    const arrived = nextMessage((e) => e.source === window, 'the self-posted message');
    window.postMessage(CONNECTED, '*');
    await arrived;
    equal(JSON.stringify(reached), '[]', 'what reached the host');
    equal(navigations.length, 0, 'navigations');
  });

  it('ignores a message from another frame with the widget origin', async () => {
    const { reached } = await watchedHost();
    const other = document.createElement('iframe');
    const otherReady = nextMessage((e) => e.source !== null && e.source === other.contentWindow, 'the other frame ready');
    other.src = fakeWidgetUrl();
    container().append(other);
    await otherReady;
    await widgetPosts(other, CONNECTED);
    equal(JSON.stringify(reached), '[]', 'what reached the host');
    equal(navigations.length, 0, 'navigations');
  });

  it('ignores its own iframe once it shows a page of another origin', async () => {
    const { handle, reached } = await watchedHost();
    // The positive control: the message really comes from our iframe, only the origin differs.
    const arrived = nextMessage((e) => e.source === handle.iframe.contentWindow && e.data?.event === 'connected', 'the foreign message');
    handle.iframe.contentWindow!.postMessage({ navigate: foreignPage(CONNECTED) }, '*');
    const event = await arrived;
    equal(event.origin, 'null', 'origin of the message');
    equal(JSON.stringify(reached), '[]', 'what reached the host');
    equal(navigations.length, 0, 'navigations');
  });

  it('still relays the genuine widget after all that', async () => {
    const { handle, reached } = await watchedHost();
    window.postMessage(CONNECTED, '*');
    await widgetPosts(handle.iframe, CONNECTED);
    equal(JSON.stringify(reached), '["onEvent:connected","onConnected","on:connected","titan-connected"]', 'what reached the host');
  });
});

describe('redirect after connected', () => {
  const URL_ = 'https://app.example.com/done?x=1&session=s&status=connected&method=qr';
  const CASES: [string, Partial<MountOptions>, (handle: WidgetHandle, target: HTMLElement) => void, Record<string, unknown>, string[]][] = [
    ['navigates the top window when nobody objects', {}, () => {}, { redirectUrl: URL_ }, [URL_]],
    ['stays when onConnected calls preventDefault()', { onConnected: (e) => e.preventDefault() }, () => {}, { redirectUrl: URL_ }, []],
    ['stays when an on("connected") subscriber calls preventDefault()', {}, (h) => h.on('connected', (e) => e.preventDefault()), { redirectUrl: URL_ }, []],
    [
      'stays when a titan-connected listener cancels the DOM event',
      {},
      (_, target) => target.addEventListener('titan-connected', (e) => e.preventDefault()),
      { redirectUrl: URL_ },
      [],
    ],
    ['stays without a redirectUrl', {}, () => {}, {}, []],
    ['never follows a javascript: redirectUrl', {}, () => {}, { redirectUrl: 'javascript:alert(document.domain)' }, []],
  ];
  for (const [name, options, setup, fields, expected] of CASES)
    it(name, async () => {
      const target = container();
      const handle = await mountReady(target, options);
      setup(handle, target);
      await widgetPosts(handle.iframe, msg('connected', { method: 'qr', phone: null, ...fields }));
      equal(JSON.stringify(navigations), JSON.stringify(expected), 'navigations');
    });

  it('does not redirect on a non-connected message that carries a redirectUrl', async () => {
    const handle = await mountReady(container());
    await widgetPosts(handle.iframe, msg('status', { status: 'CONNECTED', statusReason: null, redirectUrl: URL_ }));
    equal(navigations.length, 0, 'navigations');
  });

  it('gives onConnected every field of the message', async () => {
    let got: Record<string, unknown> = {};
    const handle = await mountReady(container(), { onConnected: (e) => (got = { ...e }) });
    await widgetPosts(handle.iframe, msg('connected', { method: 'pairing', phone: '4915112345678', redirectUrl: URL_ }, 'shop-7'));
    for (const [key, value] of Object.entries({ type: 'titan:widget', version: 1, event: 'connected', session: 'shop-7', method: 'pairing', phone: '4915112345678', redirectUrl: URL_ }))
      equal(got[key], value, key);
    assert(typeof got.preventDefault === 'function', 'preventDefault is a function');
  });
});
