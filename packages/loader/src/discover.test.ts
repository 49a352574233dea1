// discover(): every `data-widget-url` element becomes a widget; one bad element spoils nothing.
import { discover } from './discover.js';
import { assert, cleanup, container, equal, fakeWidgetUrl } from './test-fixtures/harness.js';

/** Records console.error calls during a test instead of printing them. */
let errors: unknown[][] = [];
const realError = console.error;
beforeEach(() => {
  errors = [];
  console.error = (...args: unknown[]) => void errors.push(args);
});
afterEach(() => {
  console.error = realError;
  cleanup();
});

/** An inert `<script data-widget-url>` (JSON type: nothing runs), as a page author writes it. */
const scriptTag = (attributes: Record<string, string>): HTMLScriptElement => {
  const script = document.createElement('script');
  script.type = 'application/json';
  for (const [name, value] of Object.entries(attributes)) script.setAttribute(name, value);
  return script;
};

describe('discover()', () => {
  it('puts the iframe right after a <script data-widget-url>', () => {
    const box = container();
    const script = scriptTag({ 'data-widget-url': fakeWidgetUrl('?session=script') });
    box.append(script);
    discover();
    const frame = script.nextElementSibling as HTMLIFrameElement | null;
    equal(frame?.tagName, 'IFRAME', 'the element after the script');
    equal(frame?.src, fakeWidgetUrl('?session=script'), 'its src');
  });

  it('puts the iframe into data-target for a script that names one', () => {
    const target = container('discover-target');
    const script = scriptTag({ 'data-widget-url': fakeWidgetUrl(), 'data-target': '#discover-target' });
    container().append(script);
    discover();
    equal(target.querySelectorAll('iframe').length, 1, 'iframes in the target');
    equal(script.nextElementSibling, null, 'nothing after the script');
  });

  it('puts the iframe inside any other element', () => {
    const box = container();
    box.dataset.widgetUrl = fakeWidgetUrl();
    discover();
    assert(box.querySelector('iframe'), 'an iframe inside the element');
  });

  it('leaves upgraded elements alone when run again', () => {
    const box = container();
    box.dataset.widgetUrl = fakeWidgetUrl();
    discover();
    const first = box.querySelector('iframe');
    discover();
    equal(box.querySelector('iframe'), first, 'the same iframe');
    equal(box.querySelectorAll('iframe').length, 1, 'iframes');
  });

  it('re-mounts (replacing) when an element points at a new widget URL', () => {
    const box = container();
    box.dataset.widgetUrl = fakeWidgetUrl('?session=one');
    discover();
    box.dataset.widgetUrl = fakeWidgetUrl('?session=two');
    discover();
    const frames = box.querySelectorAll('iframe');
    equal(frames.length, 1, 'iframes');
    equal(frames[0]!.src, fakeWidgetUrl('?session=two'), 'src');
  });

  it('logs a bad element once and still upgrades the others', () => {
    const good1 = container();
    const bad = container();
    const badTarget = scriptTag({ 'data-widget-url': fakeWidgetUrl(), 'data-target': '#does-not-exist' });
    const good2 = container();
    good1.dataset.widgetUrl = fakeWidgetUrl();
    bad.dataset.widgetUrl = 'not a url';
    container().append(badTarget);
    good2.dataset.widgetUrl = fakeWidgetUrl();
    discover();
    discover();
    equal(good1.querySelectorAll('iframe').length, 1, 'iframes in the first good element');
    equal(good2.querySelectorAll('iframe').length, 1, 'iframes in the second good element');
    equal(bad.querySelectorAll('iframe').length, 0, 'iframes in the bad element');
    equal(errors.length, 2, 'console.error calls');
    const logged = errors.map(([error]) => String(error));
    assert(logged.some((e) => /widgetUrl/.test(e)), `the bad URL is named: ${logged}`);
    assert(logged.some((e) => /#does-not-exist/.test(e)), `the missing target is named: ${logged}`);
  });
});
