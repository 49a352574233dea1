// Entry of the hosted page (`/widget/assets/page.js`): loads the page built for its language.
// Each language is a whole build of its own (lit-localize transform mode, rollup.config.ts) with
// its strings inlined, so a Spanish page loads no English and no runtime translation lookup: that
// is what keeps every page, Cloud API included, within the 20 KB budget.
import { pickLocale } from './i18n/pick-locale.js';

// The server writes the session's `locale` as `<html lang>`, and no `lang` when the session has
// none; then the browser's language decides, as in the element.
const locale = pickLocale(document.documentElement.lang || navigator.language);
// Resolved next to this file in dist/, where rollup writes `page-en.js`, `page-es.js`, `page-pt-BR.js`.
void import(`./page-${locale}.js`);
