// Runtime localisation (`@lit/localize`). The two translations are imported statically: together
// they weigh about a kilobyte gzipped, less than the round trip a lazily loaded one would cost
// before the first paint.
import { configureLocalization } from '@lit/localize';
import * as es from '../generated/locales/es.js';
import * as ptBR from '../generated/locales/pt-BR.js';
import { sourceLocale, targetLocales } from '../generated/locale-codes.js';

export type WidgetLocale = typeof sourceLocale | (typeof targetLocales)[number];

const templates = { es, 'pt-BR': ptBR } as const;

export const { getLocale, setLocale } = configureLocalization({
  sourceLocale,
  targetLocales,
  loadLocale: async (locale) => templates[locale as keyof typeof templates],
});

/** Picks a shipped locale for a BCP 47 tag: any Spanish is `es`, any Portuguese `pt-BR`, else English. */
export const pickLocale = (tag: string | null | undefined): WidgetLocale => {
  const language = (tag ?? '').toLowerCase().split(/[-_]/)[0];
  if (language === 'es') return 'es';
  if (language === 'pt') return 'pt-BR';
  return 'en';
};
