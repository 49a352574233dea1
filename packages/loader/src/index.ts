// The auto-upgrading entry: importing it upgrades every `data-widget-url` element, now and later.
import { autoUpgrade } from './discover.js';
export * from './pure.js';
autoUpgrade();
