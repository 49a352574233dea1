// The classic-script build (`/widget/loader.js`), only ever run by a browser:
// `window.TitanWidget = { mount, discover }`, and the page is upgraded at once.
import { autoUpgrade } from './discover.js';
import { loaderOrigins } from './mount.js';
export { mount } from './mount.js';
export { discover } from './discover.js';
// Read now: `currentScript` is this script only while it runs. Its origin is the widget server's.
const src = (document.currentScript as HTMLScriptElement | null)?.src;
if (src) loaderOrigins.push(new URL(src).origin);
autoUpgrade();
