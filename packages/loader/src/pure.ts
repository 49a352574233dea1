// Side-effect-free entry: importing it (also during SSR) touches no DOM.
export { mount } from './mount.js';
export { discover } from './discover.js';
export type { ConnectedEvent, LoaderEventMap, MountOptions, TitanDomEventMap, WidgetHandle } from './types.js';
export type { WidgetMessage, WidgetMessageEvent, WidgetMessageOf } from '@titan-connect/protocol';
