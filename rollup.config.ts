// Browser bundles. `--environment TITAN_TARGET:widget|loader` picks the package (each package's
// `build` script passes it); without it, both are built.
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import { pathToFileURL } from 'node:url';
import type { LocaleTransformer, localeTransformers as LocaleTransformers } from './packages/widget/node_modules/@lit/localize-tools/lib/rollup.js';
import type { Plugin, RollupOptions } from 'rollup';
import { minifyLitTemplates } from './scripts/rollup/minify-lit-templates.js';

const target = process.env.TITAN_TARGET;
const pkg = (name: string) => `packages/${name}`;

interface BuildOptions {
  /** Extra package.json conditions (exports and imports). */
  conditions?: string[];
  tsconfig?: string;
  transformers?: object;
}

const plugins = (name: string, options: BuildOptions = {}) => [
  nodeResolve({ exportConditions: [...(options.conditions ?? []), 'browser', 'production'], extensions: ['.ts', '.js'] }),
  typescript({
    tsconfig: options.tsconfig ?? `${pkg(name)}/tsconfig.json`,
    compilerOptions: { declaration: false, declarationMap: false, composite: false, sourceMap: false, outDir: undefined },
    filterRoot: process.cwd(),
    include: [`${pkg(name)}/src/**/*.ts`],
    transformers: options.transformers,
    exclude: ['**/*.test.ts'],
  }),
  terser({ ecma: 2020, module: true, format: { comments: false } }),
];

// lit-localize's transform prints translations with `\u00F3`-style escapes (TypeScript's printer
// escapes non-ASCII in template literals): 6 bytes for each accented letter instead of 2. Write
// the letters themselves; the cooked strings Lit renders are the same.
const unescapeLetters = (): Plugin => ({
  name: 'unescape-letters',
  renderChunk(code) {
    const out = code.replace(/(?<!\\)\\u([0-9A-Fa-f]{4})/g, (escape, hex: string) => {
      const point = parseInt(hex, 16);
      // Letters and symbols only: never quotes, controls, line separators or surrogate halves.
      return point >= 0xa0 && point !== 0x2028 && point !== 0x2029 && (point < 0xd800 || point > 0xdfff) ? String.fromCharCode(point) : escape;
    });
    return out === code ? null : { code: out, map: null };
  },
});

// The hosted page is built once per language with lit-localize's transform mode: `msg()` calls
// become that language's strings at build time, so a page loads neither the localize runtime nor
// a translation chunk (about 3 KB of the 20 KB budget). `page.js` picks the build. The element
// bundle for HTML authors keeps runtime mode, where `locale` can change while it runs.
const widgetSrc = `${pkg('widget')}/src`;
// Imported at run time from the widget's own node_modules (a static import would be bundled into
// the config, whose dependencies do not resolve from the root).
const localeTools = pathToFileURL(`${pkg('widget')}/node_modules/@lit/localize-tools/lib/rollup.js`).href;
const { localeTransformers } = (await import(localeTools)) as { localeTransformers: typeof LocaleTransformers };
// `#locale` resolves to `locale-static.ts` under the `titan-page` condition (packages/widget/package.json).
const widgetPlugins = (transformer?: LocaleTransformer['localeTransformer']) => {
  const [resolve, ts] = transformer
    ? plugins('widget', { conditions: ['titan-page'], tsconfig: `${pkg('widget')}/tsconfig.page.json`, transformers: { before: [transformer] } })
    : plugins('widget');
  // A second compress pass: about 50 bytes gzipped off each widget page.
  return [resolve!, ts!, minifyLitTemplates(), terser({ ecma: 2020, module: true, compress: { passes: 2 }, format: { comments: false } }), unescapeLetters()];
};

const widget: RollupOptions[] = [
  {
    // The element for HTML authors; each translation is a chunk of its own, loaded only for its language.
    input: { 'connect-widget': `${widgetSrc}/index.ts` },
    // Keep the element's code, its `customElements.define` calls included, in the entry file
    // itself: by default Rollup moves code shared with the lazy chunks into a hashed `index-*.js`
    // and leaves the entry a bare re-export, which bundlers honouring `sideEffects` then drop.
    preserveEntrySignatures: 'allow-extension',
    output: { dir: `${pkg('widget')}/dist`, format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
    plugins: widgetPlugins(),
  },
  ...localeTransformers(`${pkg('widget')}/lit-localize.transform.json`).map(
    ({ locale, localeTransformer }): RollupOptions => ({
      input: { [`page-${locale}`]: `${widgetSrc}/page/page-main.ts` },
      output: { dir: `${pkg('widget')}/dist`, format: 'es', entryFileNames: '[name].js', chunkFileNames: `[name]-${locale}-[hash].js` },
      plugins: widgetPlugins(localeTransformer),
    }),
  ),
  {
    // `page.js`: a few hundred bytes that import the build of the page's language.
    input: { page: `${widgetSrc}/page.ts` },
    output: { dir: `${pkg('widget')}/dist`, format: 'es', entryFileNames: '[name].js' },
    plugins: widgetPlugins(),
  },
];

const loader: RollupOptions[] = [
  {
    // Served at /widget/loader.js: a classic script (IIFE) that auto-upgrades data-widget-url.
    input: `${pkg('loader')}/src/auto.ts`,
    output: { file: `${pkg('loader')}/dist/loader.js`, format: 'iife', name: 'TitanWidget', strict: false },
    // Extra terser passes: this file has a 1 KB min+gzip budget, every byte counts.
    plugins: [
      ...plugins('loader').slice(0, 2),
      terser({ ecma: 2020, compress: { passes: 3, pure_getters: true, booleans_as_integers: true }, format: { comments: false } }),
    ],
  },
  {
    // ESM for bundlers: the auto-upgrading entry and the side-effect-free `pure` one.
    input: { index: `${pkg('loader')}/src/index.ts`, pure: `${pkg('loader')}/src/pure.ts` },
    output: { dir: `${pkg('loader')}/dist`, format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
    plugins: plugins('loader'),
  },
];

export default target === 'widget' ? widget : target === 'loader' ? loader : [...widget, ...loader];
