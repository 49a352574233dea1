import { mount } from './mount.js';

/**
 * Per element, the widget URL it was upgraded with, or `!<url>` when that failed: a failed
 * element is retried on later DOM changes (its `data-target` may not be parsed yet) but its
 * error is logged once.
 */
const upgraded = new WeakMap<Element, string>();

/**
 * Upgrades every element with `data-widget-url` under `root`: a `<script>` gets the iframe right
 * after itself (or in `data-target`), any other element inside itself. Elements already upgraded
 * with the same URL are left alone; one bad element never stops the others.
 */
export const discover = (root: ParentNode = document): void => {
  for (const element of root.querySelectorAll<HTMLElement>('[data-widget-url]')) {
    const { widgetUrl = '', target, height } = element.dataset;
    if (upgraded.get(element) == widgetUrl) continue;
    try {
      mount(target || element, { widgetUrl, height: Number(height) });
      upgraded.set(element, widgetUrl);
    } catch (error) {
      if (upgraded.get(element) != '!' + widgetUrl) console.error(error);
      upgraded.set(element, '!' + widgetUrl);
    }
  }
};

/** Upgrades the page now and whatever is added or re-pointed later. No-op without a DOM (SSR). */
export const autoUpgrade = (): void => {
  if (typeof document == 'undefined') return;
  discover();
  new MutationObserver(() => discover()).observe(document.documentElement, {
    childList: true,
    subtree: true,
    attributeFilter: ['data-widget-url', 'data-target'],
  });
};
