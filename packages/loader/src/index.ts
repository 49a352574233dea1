// The auto-upgrading ESM entry: importing it upgrades every `data-widget-url` element, now and
// later. Guarded so that importing it during server-side rendering does nothing.
import { autoUpgrade } from './discover.js';
export * from './pure.js';
if (typeof document != 'undefined') autoUpgrade();
