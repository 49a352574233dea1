import { mount } from './mount.js';

/** Per element, the widget URL it was upgraded with (or failed with: it is not retried). */
const upgraded = new WeakMap<Element, string>();

/**
 * Upgrades every element with `data-widget-url` in the document: a `<script>` gets the iframe
 * right after itself (or in `data-target`), any other element inside itself. Elements already
 * upgraded with the same URL are left alone; one bad element never stops the others.
 */
export const discover = (): void => {
  for (const element of document.querySelectorAll<HTMLElement>('[data-widget-url]')) {
    const { widgetUrl, target, height } = element.dataset as { widgetUrl: string; target?: string; height?: string };
    if (upgraded.get(element) == widgetUrl) continue;
    upgraded.set(element, widgetUrl);
    try {
      mount(target || element, { widgetUrl, height: +height! });
    } catch (error) {
      console.error(error);
    }
  }
};

/** Upgrades the page now and whatever is added to it later. Needs a DOM. */
export const autoUpgrade = (): void => {
  discover();
  // `discover` ignores the mutation records it is called with: it rescans, which is cheap.
  new MutationObserver(discover).observe(document, { childList: true, subtree: true });
};
