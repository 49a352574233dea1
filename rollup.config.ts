// Browser bundles. `--environment TITAN_TARGET:widget|loader` picks the package (each package's
// `build` script passes it); without it, both are built.
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import type { Plugin, RollupOptions } from 'rollup';

const target = process.env.TITAN_TARGET;
const pkg = (name: string) => `packages/${name}`;

const plugins = (name: string) => [
  nodeResolve({ exportConditions: ['browser', 'production'], extensions: ['.ts', '.js'] }),
  typescript({
    tsconfig: `${pkg(name)}/tsconfig.json`,
    compilerOptions: { declaration: false, declarationMap: false, composite: false, sourceMap: false, outDir: undefined },
    filterRoot: process.cwd(),
    include: [`${pkg(name)}/src/**/*.ts`],
    exclude: ['**/*.test.ts'],
  }),
  terser({ ecma: 2020, module: true, format: { comments: false } }),
];

// Lit keeps template text as written; collapse the indentation of css`` and html`` literals
// (a few hundred bytes gzipped of the widget's 20 KB budget). Only whitespace runs that hold a newline
// are touched, which is meaningless in CSS and in HTML outside <pre>/<textarea>, which we never use.
const minifyLitTemplates = (): Plugin => ({
  name: 'minify-lit-templates',
  transform(code, id) {
    if (!id.includes('/packages/widget/src/') || !/\b(css|html) ?`/.test(code)) return null;
    const out = code.replace(/\b(css|html) ?`[^`]*`/g, (literal, tag: string) => {
      let text = literal.replace(/\n\s*/g, ' ');
      if (tag === 'css' && !text.includes('${')) {
        text = text.replace(/\/\*[^*]*\*+([^/*][^*]*\*+)*\//g, '').replace(/\s*([{};,>])\s*/g, '$1').replace(/:\s+/g, ':').replace(/;}/g, '}');
      }
      return text;
    });
    return { code: out, map: null };
  },
});

const widget: RollupOptions[] = [
  {
    // The hosted widget page and the element for HTML authors share one chunk; each translation
    // is a chunk of its own, loaded only for its language.
    input: { page: `${pkg('widget')}/src/page.ts`, 'connect-widget': `${pkg('widget')}/src/index.ts` },
    output: { dir: `${pkg('widget')}/dist`, format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
    plugins: [...plugins('widget').slice(0, 2), minifyLitTemplates(), ...plugins('widget').slice(2)],
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
