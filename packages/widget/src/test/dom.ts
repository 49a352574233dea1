// DOM helpers for the browser tests: mounting, waiting and reaching into nested shadow roots.
import type { TitanConnectWidget } from '../connect-widget/connect-widget.component.js';
import '../connect-widget/connect-widget.js';
import { WIDGET_URL } from './fixtures.js';

/** Resolves when `check` returns something truthy (polled every frame, up to 3 s). */
export async function waitFor<T>(check: () => T, what: string | (() => string) = 'condition'): Promise<NonNullable<T>> {
  const until = Date.now() + 3000;
  for (;;) {
    const value = check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > until) throw new Error(`timed out waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((resolve) => requestAnimationFrame(resolve));
  }
}

/** Every shadow root under `root`, depth first (the element and its sub-views). */
export function shadowRoots(root: Element | ShadowRoot): ShadowRoot[] {
  const found: ShadowRoot[] = [];
  const walk = (node: Element | ShadowRoot) => {
    for (const el of node.querySelectorAll('*')) {
      if (el.shadowRoot) {
        found.push(el.shadowRoot);
        walk(el.shadowRoot);
      }
    }
  };
  if (root instanceof Element && root.shadowRoot) {
    found.push(root.shadowRoot);
    walk(root.shadowRoot);
  } else walk(root);
  return found;
}

/** First match of `selector` in any shadow root of the widget. */
export function find<E extends Element = HTMLElement>(widget: Element, selector: string): E | null {
  for (const root of shadowRoots(widget)) {
    const hit = root.querySelector<E>(selector);
    if (hit) return hit;
  }
  return null;
}

/** The text a user sees, across shadow roots, whitespace collapsed. */
export function visibleText(widget: Element): string {
  const parts: string[] = [];
  for (const root of shadowRoots(widget)) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (parent && parent.closest('[hidden], .sr-only, style') === null) parts.push(node.textContent ?? '');
    }
  }
  return parts.join(' ').replace(/\s+/g, ' ').trim();
}

export async function mountWidget(attributes: Record<string, string> = {}): Promise<TitanConnectWidget> {
  const widget = document.createElement('titan-connect-widget');
  widget.setAttribute('widget-url', WIDGET_URL);
  for (const [name, value] of Object.entries(attributes)) widget.setAttribute(name, value);
  document.body.append(widget);
  await widget.updateComplete;
  return widget;
}

/** Waits until the widget shows `text` somewhere. */
export const waitForText = (widget: Element, text: string) =>
  waitFor(() => visibleText(widget).includes(text), () => `text "${text}" (have: ${visibleText(widget)})`);
