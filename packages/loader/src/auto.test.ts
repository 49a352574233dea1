// The auto-upgrading ESM entry: importing it upgrades the page and whatever is added later.
import { cleanup, container, equal, fakeWidgetUrl, waitFor } from './test-fixtures/harness.js';

// Before the import, so the first pass (at import time) has something to upgrade.
const early = document.createElement('div');
early.dataset.widgetUrl = fakeWidgetUrl('?session=early');
document.body.append(early);

const entry = await import('./index.js');

afterEach(cleanup);

describe('@titan-connect/loader (auto-upgrading entry)', () => {
  it('upgraded the elements present when it was imported', () => {
    equal(early.querySelectorAll('iframe').length, 1, 'iframes in the early element');
    early.remove();
  });

  it('exports mount and discover', () => {
    equal(typeof entry.mount, 'function', 'mount');
    equal(typeof entry.discover, 'function', 'discover');
  });

  it('upgrades an element added later, without a discover() call', async () => {
    const box = document.createElement('section');
    box.dataset.widgetUrl = fakeWidgetUrl('?session=later');
    container().append(box);
    await waitFor(() => box.querySelector('iframe') !== null, 'the MutationObserver to upgrade the new element');
    equal(box.querySelectorAll('iframe').length, 1, 'iframes');
  });

  it('upgrades a script tag nested in a subtree added later', async () => {
    const wrapper = document.createElement('div');
    wrapper.innerHTML = `<p>Link your WhatsApp:</p><script type="application/json" data-widget-url="${fakeWidgetUrl('?session=nested')}"></script>`;
    container().append(wrapper);
    const script = wrapper.querySelector('script')!;
    await waitFor(() => script.nextElementSibling?.tagName === 'IFRAME', 'the iframe after the nested script');
  });

  it('ignores a foreign data-widget-url added later (injected markup)', async () => {
    const warn = console.warn;
    const warnings: string[] = [];
    console.warn = (...args: unknown[]) => void warnings.push(args.join(' '));
    try {
      // What a sanitiser lets through in user content; the genuine element after it tells us the
      // observer has run over both.
      const injected = container();
      injected.innerHTML = '<div data-widget-url="https://evil.example/widget/connect?token=t"></div>';
      const genuine = document.createElement('div');
      genuine.dataset.widgetUrl = fakeWidgetUrl('?session=after-injected');
      container().append(genuine);
      await waitFor(() => genuine.querySelector('iframe') !== null, 'the genuine element to be upgraded');
      equal(injected.querySelectorAll('iframe').length, 0, 'iframes for the injected element');
      equal(warnings.filter((w) => w.includes('https://evil.example')).length, 1, 'one warning naming the origin');
    } finally {
      console.warn = warn;
    }
  });
});
