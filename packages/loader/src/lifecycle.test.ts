// destroy() and re-mounting: nothing left behind, nothing stacked.
import { mount } from './mount.js';
import { cleanup, container, equal, fakeWidgetUrl, spyOnMessageListeners } from './test-fixtures/harness.js';

let spy: ReturnType<typeof spyOnMessageListeners>;
beforeEach(() => {
  spy = spyOnMessageListeners();
});
afterEach(() => {
  spy.restore();
  cleanup();
});

describe('destroy()', () => {
  it('removes the iframe and the message listener, and is harmless twice', () => {
    const target = container();
    const before = spy.count;
    const handle = mount(target, { widgetUrl: fakeWidgetUrl() });
    equal(spy.count, before + 1, 'message listeners while mounted');
    handle.destroy();
    equal(target.querySelectorAll('iframe').length, 0, 'iframes after destroy');
    equal(spy.count, before, 'message listeners after destroy');
    handle.destroy();
    equal(spy.count, before, 'message listeners after a second destroy');
    handle.on('connected', () => {}); // still callable, does nothing
  });
});

describe('mounting twice into one target', () => {
  it('replaces the first widget instead of stacking a second', () => {
    const target = container();
    const before = spy.count;
    const first = mount(target, { widgetUrl: fakeWidgetUrl('?session=first') });
    const second = mount(target, { widgetUrl: fakeWidgetUrl('?session=second') });
    const frames = target.querySelectorAll('iframe');
    equal(frames.length, 1, 'iframes in the target');
    equal(frames[0], second.iframe, 'the remaining iframe');
    equal(spy.count, before + 1, 'message listeners');
    first.destroy(); // the stale handle must not touch the new widget
    equal(target.querySelectorAll('iframe').length, 1, 'iframes after destroying the stale handle');
    equal(spy.count, before + 1, 'message listeners after destroying the stale handle');
    second.destroy();
    equal(spy.count, before, 'message listeners at the end');
  });

  it('keeps widgets in different targets apart', () => {
    const a = container();
    const b = container();
    mount(a, { widgetUrl: fakeWidgetUrl() });
    mount(b, { widgetUrl: fakeWidgetUrl() });
    equal(a.querySelectorAll('iframe').length + b.querySelectorAll('iframe').length, 2, 'iframes');
  });
});
