import type { sourceLocale, targetLocales } from '../generated/locale-codes.js';

export type WidgetLocale = typeof sourceLocale | (typeof targetLocales)[number];

/** Picks a shipped locale for a BCP 47 tag: any Spanish is `es`, any Portuguese `pt-BR`, else English. */
export const pickLocale = (tag: string | null | undefined): WidgetLocale => {
  const language = (tag ?? '').toLowerCase().split(/[-_]/)[0];
  if (language === 'es') return 'es';
  if (language === 'pt') return 'pt-BR';
  return 'en';
};
