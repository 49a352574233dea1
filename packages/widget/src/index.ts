export * from './connect-widget/connect-widget.js';
export * from './events/titan-events.js';
export type * from './frameworks/attributes.js';
// Types only (no code): `<titan-connect-widget>` in React 19 JSX and Vue 3 templates.
import './frameworks/react.js';
import './frameworks/vue.js';
