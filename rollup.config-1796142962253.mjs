import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import { pathToFileURL } from 'node:url';

// Browser bundles. `--environment TITAN_TARGET:widget|loader` picks the package (each package's
// `build` script passes it); without it, both are built.
const target = process.env.TITAN_TARGET;
const pkg = (name) => `packages/${name}`;
const plugins = (name, options = {}) => [
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
// Lit keeps template text as written; collapse the indentation of css`` and html`` literals,
// nested templates included, and drop HTML comments (a few hundred bytes gzipped of the widget's
// 20 KB budget). Only whitespace runs that hold a newline are touched, which is meaningless in CSS
// and in HTML outside <pre>/<textarea>, which we never use.
const tidyTemplateText = (text, tag) => {
    const collapsed = text.replace(/\n\s*/g, ' ');
    if (tag === 'html')
        return collapsed.replace(/<!--[^]*?-->/g, '');
    return collapsed.replace(/\/\*[^*]*\*+([^/*][^*]*\*+)*\//g, '').replace(/\s*([{};,>])\s*/g, '$1').replace(/:\s+/g, ':').replace(/;}/g, '}').replace(/([\s:,(-])0\.(\d)/g, '$1.$2');
};
/** Reads a template literal's body from `at` (after its backtick); returns it tidied and where it ends. */
function tidyTemplate(code, at, tag) {
    let out = '';
    let text = '';
    while (at < code.length) {
        const char = code[at];
        if (char === '\\') {
            text += code.slice(at, at + 2);
            at += 2;
        }
        else if (char === '`') {
            return [out + tidyTemplateText(text, tag) + '`', at + 1];
        }
        else if (char === '$' && code[at + 1] === '{') {
            const [expression, end] = tidyExpression(code, at + 2, tag);
            out += tidyTemplateText(text, tag) + '${' + expression;
            text = '';
            at = end;
        }
        else {
            text += char;
            at++;
        }
    }
    throw new Error('minify-lit-templates: unterminated template literal');
}
/** Reads a `${…}` expression from `at` up to its closing brace; templates nested in it are tidied too. */
function tidyExpression(code, at, tag) {
    let out = '';
    let depth = 0;
    while (at < code.length) {
        const char = code[at];
        if (char === '`') {
            const [template, end] = tidyTemplate(code, at + 1, tag);
            out += '`' + template;
            at = end;
            continue;
        }
        if (char === '"' || char === "'") {
            let end = at + 1;
            while (code[end] !== char)
                end += code[end] === '\\' ? 2 : 1;
            out += code.slice(at, end + 1);
            at = end + 1;
            continue;
        }
        if (char === '{')
            depth++;
        if (char === '}' && depth-- === 0)
            return [out + '}', at + 1];
        out += char;
        at++;
    }
    throw new Error('minify-lit-templates: unterminated template expression');
}
const minifyLitTemplates = () => ({
    name: 'minify-lit-templates',
    transform(code, id) {
        if (!id.includes('/packages/widget/src/'))
            return null;
        const start = /\b(css|html) ?`/g;
        let out = '';
        let at = 0;
        for (let match = start.exec(code); match; match = start.exec(code)) {
            const [template, end] = tidyTemplate(code, match.index + match[0].length, match[1]);
            out += code.slice(at, match.index + match[0].length) + template;
            at = start.lastIndex = end;
        }
        return at === 0 ? null : { code: out + code.slice(at), map: null };
    },
});
// lit-localize's transform prints translations with `\u00F3`-style escapes (TypeScript's printer
// escapes non-ASCII in template literals): 6 bytes for each accented letter instead of 2. Write
// the letters themselves; the cooked strings Lit renders are the same.
const unescapeLetters = () => ({
    name: 'unescape-letters',
    renderChunk(code) {
        const out = code.replace(/(?<!\\)\\u([0-9A-Fa-f]{4})/g, (escape, hex) => {
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
const { localeTransformers } = (await import(localeTools));
// `#locale` resolves to `locale-static.ts` under the `titan-page` condition (packages/widget/package.json).
const widgetPlugins = (transformer) => {
    const [resolve, ts] = transformer
        ? plugins('widget', { conditions: ['titan-page'], tsconfig: `${pkg('widget')}/tsconfig.page.json`, transformers: { before: [transformer] } })
        : plugins('widget');
    // A second compress pass: about 50 bytes gzipped off each widget page.
    return [resolve, ts, minifyLitTemplates(), terser({ ecma: 2020, module: true, compress: { passes: 2 }, format: { comments: false } }), unescapeLetters()];
};
const widget = [
    {
        // The element for HTML authors; each translation is a chunk of its own, loaded only for its language.
        input: { 'connect-widget': `${widgetSrc}/index.ts` },
        output: { dir: `${pkg('widget')}/dist`, format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
        plugins: widgetPlugins(),
    },
    ...localeTransformers(`${pkg('widget')}/lit-localize.transform.json`).map(({ locale, localeTransformer }) => ({
        input: { [`page-${locale}`]: `${widgetSrc}/page/page-main.ts` },
        output: { dir: `${pkg('widget')}/dist`, format: 'es', entryFileNames: '[name].js', chunkFileNames: `[name]-${locale}-[hash].js` },
        plugins: widgetPlugins(localeTransformer),
    })),
    {
        // `page.js`: a few hundred bytes that import the build of the page's language.
        input: { page: `${widgetSrc}/page.ts` },
        output: { dir: `${pkg('widget')}/dist`, format: 'es', entryFileNames: '[name].js' },
        plugins: widgetPlugins(),
    },
];
const loader = [
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
var rollup_config = target === 'widget' ? widget : target === 'loader' ? loader : [...widget, ...loader];

export { rollup_config as default };
