import { loaderOrigins, mount } from './mount.js';

/**
 * Upgrades every element with `data-widget-url` in the document: a `<script>` gets the iframe
 * right after itself (or in `data-target`), any other element inside itself. Elements already
 * upgraded with the same URL are left alone; one bad element never stops the others.
 *
 * Markup can be injected (user content, a sanitiser's leftovers), so it only ever mounts widget
 * URLs on the loader's own origin, or, in the npm package (no origin of its own), the page's.
 */
export const discover = (): void => {
  // `titanWidgetUrl`: the URL an element was upgraded with (or failed with: not retried). On the
  // element, like the handle in mount(), so a second copy of the loader sees it too.
  for (const element of document.querySelectorAll<HTMLElement & { titanWidgetUrl?: string }>('[data-widget-url]')) {
    const { widgetUrl, target } = element.dataset as { widgetUrl: string; target?: string };
    if (element.titanWidgetUrl == widgetUrl) continue;
    element.titanWidgetUrl = widgetUrl;
    try {
      mount(target || element, { widgetUrl, origins: loaderOrigins[0] ? loaderOrigins : [location.origin] });
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
