// Which widget URLs the loader mounts (issue 14): markup injected into a page must not frame a
// foreign page, which could post `connected` with a redirect for the top window.
import { hostMessage } from '@titan-connect/protocol';
import { discover } from './discover.js';
import { loaderOrigins, mount } from './mount.js';
import type { MountOptions } from './types.js';
import { assert, cleanup, container, equal, fakeWidgetUrl, mountReady, nextMessage, recordNavigations } from './test-fixtures/harness.js';

const TITAN = 'https://titan.example.com';
const FOREIGN_URL = 'https://evil.example/widget/connect?token=t';

recordNavigations();
/** console.warn calls during a test, recorded instead of printed. */
let warnings: string[] = [];
const realWarn = console.warn;
beforeEach(() => {
  warnings = [];
  console.warn = (...args: unknown[]) => void warnings.push(args.map(String).join(' '));
});
afterEach(() => {
  console.warn = realWarn;
  loaderOrigins.splice(0); // as the npm package has it: no origin of its own
  cleanup();
});

describe('mount() and widget origins', () => {
  // [name, widgetUrl, origins option, origin the loader was served from, mounted?]
  const CASES: [string, string, string[] | undefined, string | undefined, boolean][] = [
    ['npm package, no list: any origin (the caller chose the URL)', `${TITAN}/widget/connect?token=t`, undefined, undefined, true],
    ['same origin as the loader', fakeWidgetUrl(), undefined, location.origin, true],
    ['another origin than the loader', FOREIGN_URL, undefined, location.origin, false],
    ['explicit list that names the origin', `${TITAN}/widget/connect?token=t`, [TITAN], undefined, true],
    ['explicit list overrides the loader origin', `${TITAN}/widget/connect?token=t`, [TITAN], location.origin, true],
    ['explicit list without the origin', fakeWidgetUrl(), [TITAN], undefined, false],
    ['explicit list: a look-alike host is another origin', 'https://titan.example.com.evil.example/w', [TITAN], undefined, false],
    ['explicit list: another port is another origin', 'https://titan.example.com:8443/w', [TITAN], undefined, false],
    ['explicit empty list: nothing', `${TITAN}/widget/connect?token=t`, [], undefined, false],
    // From plain JS: one string is one origin, not a haystack for a shorter one.
    ['a single string from plain JS: a prefix of it is another origin', 'https://titan.example.co/w', TITAN as unknown as string[], undefined, false],
    ['a single string from plain JS: that origin', `${TITAN}/w`, TITAN as unknown as string[], undefined, true],
  ];
  for (const [name, widgetUrl, origins, loaderOrigin, mounted] of CASES)
    it(`${mounted ? 'mounts' : 'refuses'}: ${name}`, () => {
      if (loaderOrigin) loaderOrigins.push(loaderOrigin);
      const target = container();
      const handle = mount(target, { widgetUrl, ...(origins ? { origins } : {}) });
      equal(target.querySelectorAll('iframe').length, mounted ? 1 : 0, 'iframes in the target');
      equal(warnings.length, mounted ? 0 : 1, 'console warnings');
      if (!mounted) assert(warnings[0]!.includes(new URL(widgetUrl).origin), `the warning names the origin: ${warnings[0]}`);
      handle.destroy();
    });

  it('a refused URL reaches onError, on("error"), onEvent and titan-error as ORIGIN_NOT_ALLOWED', async () => {
    const target = container();
    const reached: string[] = [];
    target.addEventListener('titan-error', (e) => reached.push(`titan-error:${(e as CustomEvent).detail.code}`));
    const options: MountOptions = {
      widgetUrl: FOREIGN_URL,
      origins: [TITAN],
      onError: (m) => reached.push(`onError:${m.code}`),
      onEvent: (m) => reached.push(`onEvent:${m.event}`),
    };
    const handle = mount(target, options);
    handle.on('error', (m) => reached.push(`on:${m.code}:${m.message.includes('https://evil.example')}`));
    await new Promise((r) => setTimeout(r, 20));
    equal(JSON.stringify(reached), '["onEvent:error","onError:ORIGIN_NOT_ALLOWED","on:ORIGIN_NOT_ALLOWED:true","titan-error:ORIGIN_NOT_ALLOWED"]', 'what reached the host');
    handle.destroy(); // harmless: nothing was mounted
    handle.destroy();
  });
});

describe('discover() and widget origins', () => {
  it('without a loader origin (npm package) upgrades only the page origin', () => {
    const ours = container();
    ours.dataset.widgetUrl = fakeWidgetUrl();
    const injected = container();
    injected.dataset.widgetUrl = FOREIGN_URL;
    discover();
    equal(ours.querySelectorAll('iframe').length, 1, 'iframes for the page origin');
    equal(injected.querySelectorAll('iframe').length, 0, 'iframes for the injected URL');
    equal(warnings.length, 1, 'warnings');
    assert(warnings[0]!.includes('https://evil.example'), `the warning names the origin: ${warnings[0]}`);
  });

  it('with a loader origin upgrades only that origin, not even the page origin', () => {
    loaderOrigins.push(TITAN);
    const titan = container();
    titan.dataset.widgetUrl = `${TITAN}/widget/connect?token=t`;
    const page = container();
    page.dataset.widgetUrl = fakeWidgetUrl();
    discover();
    equal(titan.querySelectorAll('iframe').length, 1, 'iframes for the loader origin');
    equal(page.querySelectorAll('iframe').length, 0, 'iframes for the page origin');
  });
});

describe('the hello handshake', () => {
  it('answers ready with hello, posted to the widget origin exactly', async () => {
    const target = container();
    const heard = nextMessage((e) => e.data?.hello !== undefined, 'the fake widget reporting the hello');
    await mountReady(target);
    const { data } = await heard;
    equal(JSON.stringify(data.hello), JSON.stringify(hostMessage()), 'the hello');
    equal(data.targetOrigin, location.origin, 'targetOrigin');
  });
});
