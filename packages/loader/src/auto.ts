// The classic-script build (`/widget/loader.js`): `window.TitanWidget = { mount, discover }`.
export { mount, discover } from './index.js';
