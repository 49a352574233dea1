// The classic-script build (`/widget/loader.js`), only ever run by a browser:
// `window.TitanWidget = { mount, discover }`, and the page is upgraded at once.
import { autoUpgrade } from './discover.js';
export { mount } from './mount.js';
export { discover } from './discover.js';
autoUpgrade();
