// Browser bundles. `--environment TITAN_TARGET:widget|loader` picks the package (each package's
// `build` script passes it); without it, both are built.
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import type { RollupOptions } from 'rollup';

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

const widget: RollupOptions[] = [
  {
    // The hosted widget page and the element for HTML authors: one self-contained ESM file each.
    input: { page: `${pkg('widget')}/src/page.ts`, 'connect-widget': `${pkg('widget')}/src/index.ts` },
    output: { dir: `${pkg('widget')}/dist`, format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
    plugins: plugins('widget'),
  },
];

const loader: RollupOptions[] = [
  {
    // Served at /widget/loader.js: a classic script (IIFE) that auto-upgrades data-widget-url.
    input: `${pkg('loader')}/src/auto.ts`,
    output: { file: `${pkg('loader')}/dist/loader.js`, format: 'iife', name: 'TitanWidget' },
    plugins: plugins('loader'),
  },
  {
    // ESM for bundlers: the auto-upgrading entry and the side-effect-free `pure` one.
    input: { index: `${pkg('loader')}/src/index.ts`, pure: `${pkg('loader')}/src/pure.ts` },
    output: { dir: `${pkg('loader')}/dist`, format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
    plugins: plugins('loader'),
  },
];

export default target === 'widget' ? widget : target === 'loader' ? loader : [...widget, ...loader];
