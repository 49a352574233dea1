import { mount } from './mount.js';
import type { MountOptions } from './types.js';
import { assert, cleanup, container, equal, fakeWidgetUrl, mountReady, msg, recordNavigations, throws, widgetPosts } from './test-fixtures/harness.js';

recordNavigations(); // a stray redirect must never take the test page away
afterEach(cleanup);

describe('mount() iframe', () => {
  it('inserts one iframe with title, clipboard permission, no border, full width, initial height and the widget URL', () => {
    const target = container();
    const widgetUrl = fakeWidgetUrl('?session=attrs');
    const handle = mount(target, { widgetUrl, height: 420 });
    const frames = target.querySelectorAll('iframe');
    equal(frames.length, 1, 'iframes in the target');
    const frame = frames[0]!;
    equal(handle.iframe, frame, 'handle.iframe');
    assert(frame.title.length > 0, 'the iframe has a title');
    equal(frame.getAttribute('allow'), 'clipboard-write', 'allow');
    equal(frame.src, widgetUrl, 'src');
    equal(getComputedStyle(frame).borderTopWidth, '0px', 'border width');
    equal(frame.style.width, '100%', 'width');
    equal(frame.style.height, '420px', 'height');
  });

  it('starts 600 px high without a height option', () => {
    equal(mount(container(), { widgetUrl: fakeWidgetUrl() }).iframe.style.height, '600px', 'default height');
  });

  it('accepts a selector as target', () => {
    const target = container('by-selector');
    mount('#by-selector', { widgetUrl: fakeWidgetUrl() });
    equal(target.querySelectorAll('iframe').length, 1, 'iframes');
  });

  it('puts the iframe right after a <script> target, not inside it', () => {
    const box = container();
    const script = document.createElement('script');
    script.type = 'application/json';
    box.append(script);
    const { iframe } = mount(script, { widgetUrl: fakeWidgetUrl() });
    equal(script.nextElementSibling, iframe as Element, 'the sibling after the script');
  });
});

describe('mount() errors', () => {
  const CASES: [string, () => unknown, RegExp][] = [
    ['selector matching nothing', () => mount('#no-such-element', { widgetUrl: fakeWidgetUrl() }), /no element #no-such-element/],
    ['null element', () => mount(null as unknown as Element, { widgetUrl: fakeWidgetUrl() }), /no element/],
    ['relative widgetUrl', () => mount(container(), { widgetUrl: '/widget/connect?token=x' }), /widgetUrl is not absolute http\(s\)/],
    ['not a URL at all', () => mount(container(), { widgetUrl: 'widget' }), /widgetUrl/],
    ['javascript: widgetUrl', () => mount(container(), { widgetUrl: 'javascript:alert(1)' }), /widgetUrl/],
    ['ftp: widgetUrl', () => mount(container(), { widgetUrl: 'ftp://example.com/w' }), /widgetUrl/],
    ['scheme without host', () => mount(container(), { widgetUrl: 'https://' }), /widgetUrl/],
    ['missing widgetUrl', () => mount(container(), {} as MountOptions), /widgetUrl/],
  ];
  for (const [name, call, pattern] of CASES)
    it(`throws a clear error for a ${name}`, () => {
      throws(call, pattern, name);
      assert(!document.querySelector('iframe'), 'no iframe was inserted');
    });

  it('throws a TypeError for a bad widgetUrl', () => {
    assert(throws(() => mount(container(), { widgetUrl: 'nope' }), /widgetUrl/, 'bad URL') instanceof TypeError, 'TypeError');
  });
});

describe('mount() messages', () => {
  it('follows resize messages and ignores malformed ones', async () => {
    const target = container();
    const { iframe } = await mountReady(target);
    for (const [height, expected] of [
      [777, '777px'],
      [-5, '777px'],
      [Number.NaN, '777px'],
      ['300', '777px'],
      [312.5, '312.5px'],
    ] as const) {
      await widgetPosts(iframe, msg('resize', { height }));
      equal(iframe.style.height, expected, `after resize to ${String(height)}`);
    }
  });

  it('relays each message to onEvent, its callback, on() subscribers and a DOM event on the target', async () => {
    const target = container();
    const seen: string[] = [];
    const handle = await mountReady(target, {
      onEvent: (m) => seen.push(`onEvent:${m.event}`),
      onConnected: (e) => seen.push(`onConnected:${e.method}:${e.phone}:${typeof e.preventDefault}`),
      onError: (m) => seen.push(`onError:${m.code}:${m.retryable}`),
      onExpired: (m) => seen.push(`onExpired:${m.reason}`),
    });
    handle.on('status', (m) => seen.push(`on:status:${m.status}`));
    handle.on('connected', (m) => seen.push(`on:connected:${m.session}`));
    for (const name of ['titan-connected', 'titan-error', 'titan-expired', 'titan-status'])
      target.addEventListener(name, (e) => seen.push(`${name}:${(e as CustomEvent).detail.event}`));

    const CASES: [ReturnType<typeof msg>, string[]][] = [
      [msg('status', { status: 'CONNECTING', statusReason: 'SCAN_QR' }), ['onEvent:status', 'on:status:CONNECTING', 'titan-status:status']],
      [
        msg('connected', { method: 'qr', phone: '5511912345678', pushName: 'Ana' }),
        ['onEvent:connected', 'onConnected:qr:5511912345678:function', 'on:connected:test-session', 'titan-connected:connected'],
      ],
      [
        msg('error', { code: 'WA_UNREACHABLE', message: 'Could not reach WhatsApp servers', retryable: true }),
        ['onEvent:error', 'onError:WA_UNREACHABLE:true', 'titan-error:error'],
      ],
      [msg('expired', { reason: 'TOKEN_EXPIRED' }), ['onEvent:expired', 'onExpired:TOKEN_EXPIRED', 'titan-expired:expired']],
      [{ type: 'titan:widget', version: 2, event: 'connected', session: 's', method: 'qr', phone: null } as any, []],
      [{ type: 'something-else', event: 'connected' } as any, []],
    ];
    for (const [message, expected] of CASES) {
      seen.length = 0;
      await widgetPosts(handle.iframe, message);
      equal(JSON.stringify(seen), JSON.stringify(expected), `effects of ${JSON.stringify(message)}`);
    }
  });

  it('dispatches titan-ready on the target, bubbling to the document', async () => {
    let bubbled: unknown;
    const listener = (e: Event) => (bubbled = (e as CustomEvent).detail.event);
    document.addEventListener('titan-ready', listener);
    try {
      await mountReady(container());
      equal(bubbled, 'ready', 'detail.event seen on document');
    } finally {
      document.removeEventListener('titan-ready', listener);
    }
  });
});
