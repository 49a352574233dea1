// Runtime localisation (`@lit/localize`), for the element bundle HTML authors load: each
// translation is its own chunk loaded only for its language, and `locale` can change at any time.
// The hosted page is built apart, once per language (transform mode, `locale-static.ts`).
import { configureLocalization } from '@lit/localize';
import { sourceLocale, targetLocales } from '../generated/locale-codes.js';

export { pickLocale, type WidgetLocale } from './pick-locale.js';

export const { getLocale, setLocale } = configureLocalization({
  sourceLocale,
  targetLocales,
  loadLocale: (locale) => (locale === 'es' ? import('../generated/locales/es.js') : import('../generated/locales/pt-BR.js')),
});
