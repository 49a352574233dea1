// The packed packages as a user gets them (issue 13): the tarballs hold what their package.json
// promises and nothing of the workspace, and a production bundle made with Rollup or esbuild from
// `import '@titan-connect/widget'` still defines the elements (bundlers drop every module the
// package's `sideEffects` does not name, so a define left in an unnamed chunk vanishes). Vite
// (Rolldown) is covered by examples/e2e/frameworks.test.ts; webpack 5 is installed here.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import * as esbuild from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { rollup } from 'rollup';
// @ts-expect-error plain JS helper, no declarations
import { CHROMIUM_ARGS, findChromium } from '../../scripts/chromium.mjs';
import { createConsumer, PACKAGES, run, type Consumer } from './consumer.ts';

/** Every element the widget package defines, and the chunk it lives in once bundled. */
const EAGER = ['titan-connect-widget', 'titan-qr-panel', 'titan-pairing-panel', 'titan-status-view'];
const LAZY = 'titan-cloud-api-panel'; // `import()`ed by the widget when a session offers Cloud API

// What the app does: the element for its own UI, `mount()` for an iframe elsewhere.
const APP = `import '@titan-connect/widget';
import { mount } from '@titan-connect/loader/pure';
window.titanMount = mount;
`;

let consumer: Consumer;
let browser: Browser;

before(async () => {
  consumer = await createConsumer({ webpack: '5.112.2' });
  writeFileSync(join(consumer.dir, 'app.js'), APP);
  browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS, headless: true });
});
after(async () => {
  await browser?.close();
  consumer?.close();
});

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const installed = (name: string) => join(consumer.dir, 'node_modules/@titan-connect', name);

/** Every file path an `exports` map points at (conditions flattened). */
const targets = (exports: unknown): string[] =>
  typeof exports === 'string' ? [exports] : Object.values(exports as Record<string, unknown>).flatMap(targets);

describe('packed tarballs', () => {
  for (const name of PACKAGES) {
    it(`@titan-connect/${name}: publishable package.json, every export present`, async () => {
      const pkg = readJson(join(installed(name), 'package.json'));
      const text = JSON.stringify(pkg);
      assert.doesNotMatch(text, /workspace:/, 'workspace: protocol left in');
      assert.doesNotMatch(JSON.stringify(pkg.exports), /"source"|\.\/src\//, 'exports point at unpublished src/');
      assert.ok(!pkg.imports || Object.keys(pkg.imports).length === 0, 'package.json `imports` map into unpublished src/');
      for (const field of ['license', 'repository', 'types', 'files', 'exports']) assert.ok(pkg[field], `${field} missing`);
      for (const [entry, conditions] of Object.entries(pkg.exports as Record<string, unknown>)) {
        if (typeof conditions === 'object' && conditions && 'types' in conditions) {
          assert.equal(Object.keys(conditions)[0], 'types', `${entry}: \`types\` must come first`);
        }
      }
      for (const target of [...targets(pkg.exports), pkg.types]) {
        assert.doesNotThrow(() => readFileSync(join(installed(name), target)), `${name}: ${target} is exported but not in the tarball`);
      }
      const files = await run('tar', ['tzf', consumer.tarballs[name]], consumer.dir);
      assert.match(files, /^package\/README\.md$/m);
      assert.match(files, /^package\/LICENSE$/m);
      assert.doesNotMatch(files, /\.test\.(ts|js)$/m, 'tests are not published');
    });
  }

  it('@titan-connect/widget: the manifest points at published files, events typed; editor data shipped', () => {
    const widget = installed('widget');
    const manifest = readJson(join(widget, 'custom-elements.json'));
    const paths = JSON.stringify(manifest).match(/"(?:path|module)":"[^"]+"/g)!.map((pair) => pair.split('":"')[1]!.slice(0, -1));
    assert.ok(paths.length > 20);
    for (const path of new Set(paths)) assert.doesNotThrow(() => readFileSync(join(widget, path)), `manifest names ${path}, not in the tarball`);
    const element = manifest.modules.flatMap((mod: { declarations?: unknown[] }) => mod.declarations ?? []).find((d: { tagName?: string }) => d.tagName === 'titan-connect-widget');
    const events = Object.fromEntries(element.events.map((event: { name: string; type?: { text: string } }) => [event.name, event.type?.text]));
    assert.deepEqual(events, {
      'titan-ready': 'TitanReadyEvent',
      'titan-status': 'TitanStatusEvent',
      'titan-connected': 'TitanConnectedEvent',
      'titan-error': 'TitanErrorEvent',
      'titan-expired': 'TitanExpiredEvent',
    });
    const vscode = readJson(join(widget, 'vscode.html-custom-data.json'));
    assert.deepEqual(vscode.tags.map((tag: { name: string }) => tag.name), ['titan-connect-widget']);
    assert.deepEqual(vscode.tags[0].attributes.map((attribute: { name: string }) => attribute.name).sort(), ['locale', 'theme', 'widget-url']);
    const webTypes = readJson(join(widget, 'web-types.json'));
    assert.equal(webTypes.name, '@titan-connect/widget');
    assert.deepEqual(webTypes.contributions.html.elements.map((tag: { name: string }) => tag.name), ['titan-connect-widget']);
  });
});

/** Serves a bundle folder, loads `app.js` in Chromium, returns which elements are defined. */
async function definedElements(dir: string): Promise<Record<string, boolean>> {
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    if (path === '/') return void response.writeHead(200, { 'content-type': 'text/html' }).end('<script type="module" src="/app.js"></script>');
    let code: Buffer;
    try {
      code = readFileSync(join(dir, path.slice(1)));
    } catch {
      return void response.writeHead(404).end();
    }
    response.writeHead(200, { 'content-type': 'text/javascript' }).end(code);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction(() => typeof (window as { titanMount?: unknown }).titanMount === 'function', null, { timeout: 15_000 });
    assert.deepEqual(errors, []);
    return await page.evaluate((names) => Object.fromEntries(names.map((name) => [name, !!customElements.get(name)])), EAGER);
  } finally {
    await context.close();
    server.close();
  }
}

/** The little of webpack's Node API used here (webpack is installed in the consumer only). */
interface Stats {
  hasErrors(): boolean;
  toString(preset: string): string;
}
interface Compiler {
  run(callback: (error: Error | null, stats?: Stats) => void): void;
  close(callback: () => void): void;
}

/** Checks a production bundle: each element defined in Chromium, the lazy panel kept as a chunk. */
async function assertBundle(out: string) {
  const defined = await definedElements(out);
  assert.deepEqual(defined, Object.fromEntries(EAGER.map((name) => [name, true])));
  const chunks = readdirSync(out).map((file) => readFileSync(join(out, file), 'utf8'));
  assert.ok(
    chunks.some((code) => code.includes(`customElements.define("${LAZY}"`) || code.includes(`customElements.define('${LAZY}'`)),
    `${LAZY} is not defined by any chunk`,
  );
}

describe('production bundles of `import "@titan-connect/widget"`', () => {
  it('Rollup (node-resolve, tree shaking with the packages\u2019 sideEffects)', async () => {
    const bundle = await rollup({ input: join(consumer.dir, 'app.js'), plugins: [nodeResolve({ browser: true, rootDir: consumer.dir })] });
    const out = join(consumer.dir, 'dist-rollup');
    await bundle.write({ dir: out, format: 'es', entryFileNames: 'app.js' });
    await bundle.close();
    await assertBundle(out);
  });

  it('esbuild (bundle, splitting, minify)', async () => {
    const out = join(consumer.dir, 'dist-esbuild');
    await esbuild.build({
      absWorkingDir: consumer.dir,
      entryPoints: ['app.js'],
      bundle: true,
      splitting: true,
      minify: true,
      format: 'esm',
      outdir: out,
      logLevel: 'silent',
    });
    await assertBundle(out);
  });

  it('webpack 5 (production mode: sideEffects optimisation, minify)', async () => {
    // webpack is CommonJS and lives in the consumer's node_modules, like the app's own.
    const webpack = createRequire(join(consumer.dir, 'package.json'))('webpack') as (config: object) => Compiler;
    const out = join(consumer.dir, 'dist-webpack');
    // `publicPath`: webpack's 'auto' reads document.currentScript, which module scripts lack.
    const compiler = webpack({ mode: 'production', context: consumer.dir, entry: './app.js', output: { path: out, filename: 'app.js', publicPath: '/' } });
    const stats = await new Promise<Stats>((resolve, reject) => compiler.run((error, result) => (error ? reject(error) : resolve(result!))));
    await new Promise<void>((resolve) => compiler.close(resolve));
    assert.equal(stats.hasErrors(), false, stats.toString('errors-only'));
    await assertBundle(out);
  });
});
