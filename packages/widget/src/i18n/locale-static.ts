// Stands in for `locale.ts` in the hosted page's builds (lit-localize transform mode, see
// rollup.config.ts): each build has its language's strings inlined by `msg()`'s transform, so
// there is no runtime lookup and no translation chunk, and the language cannot change.
import { configureTransformLocalization } from '@lit/localize';
import { sourceLocale } from '../generated/locale-codes.js';
import type { WidgetLocale } from './pick-locale.js';

export type { WidgetLocale };

export const { getLocale } = configureTransformLocalization({ sourceLocale });

/**
 * The language of this build, whatever the tag: `page.ts` already chose the build from the page's
 * language, and the element's `lang` and country names must match the strings it shows.
 */
export const pickLocale = (_tag: string | null | undefined): WidgetLocale => getLocale() as WidgetLocale;

/** The page loaded the bundle of its language (`page.ts`); there is nothing to switch to. */
export const setLocale = async (_locale: string): Promise<void> => {};
