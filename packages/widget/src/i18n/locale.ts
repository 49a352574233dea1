// Runtime localisation (`@lit/localize`). Each translation is its own chunk (about 1.2 KB
// gzipped) loaded only for its language, so English pages carry none of them; the element asks
// for the browser's language at once, so the chunk loads while the event stream is opening.
import { configureLocalization } from '@lit/localize';
import { sourceLocale, targetLocales } from '../generated/locale-codes.js';

export type WidgetLocale = typeof sourceLocale | (typeof targetLocales)[number];

export const { getLocale, setLocale } = configureLocalization({
  sourceLocale,
  targetLocales,
  loadLocale: (locale) => (locale === 'es' ? import('../generated/locales/es.js') : import('../generated/locales/pt-BR.js')),
});

/** Picks a shipped locale for a BCP 47 tag: any Spanish is `es`, any Portuguese `pt-BR`, else English. */
export const pickLocale = (tag: string | null | undefined): WidgetLocale => {
  const language = (tag ?? '').toLowerCase().split(/[-_]/)[0];
  if (language === 'es') return 'es';
  if (language === 'pt') return 'pt-BR';
  return 'en';
};
