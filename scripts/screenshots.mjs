// Renders every widget mode and state (packages/widget/src/test/scenarios.ts, the list the
// accessibility test checks) in the system Chromium and writes docs/screenshots/<name>.png.
// `node scripts/screenshots.mjs [name-filter]`. Offline: the page and its event stream are stubbed.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, findChromium } from './chromium.mjs';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'docs/screenshots');
const filter = process.argv[2] ?? '';

const bundle = await build({
  entryPoints: [join(root, 'packages/widget/src/test/gallery.ts')],
  bundle: true,
  format: 'esm',
  write: false,
  conditions: ['source', 'browser'],
  tsconfig: join(root, 'packages/widget/tsconfig.json'),
  logLevel: 'error',
});
const galleryJs = bundle.outputFiles[0].text;
const names = [...galleryJs.matchAll(/name: "([^"]+)"/g)].map((m) => m[1]).filter((n) => n.includes(filter));

const ORIGIN = 'http://titan.test';
const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<style>body{margin:0;padding:16px;background:#f0f2f5;font-family:system-ui}</style></head>
<body><script type="module" src="/gallery.js"></script></body></html>`;

mkdirSync(out, { recursive: true });
const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS, headless: true });
try {
  for (const [width, suffix] of [[420, ''], [320, '-320']]) {
    const page = await browser.newPage({ viewport: { width, height: 900 }, deviceScaleFactor: 2, locale: 'en-US' });
    await page.route(`${ORIGIN}/**`, (route) => {
      const path = new URL(route.request().url()).pathname;
      if (path === '/gallery.js') return route.fulfill({ contentType: 'text/javascript', body: galleryJs });
      return route.fulfill({ contentType: 'text/html', body: html });
    });
    // 320 px: only the states whose layout is most at risk on a narrow phone.
    for (const name of suffix ? names.filter((n) => ['all-qr', 'pairing-code', 'pairing-invalid'].includes(n)) : names) {
      await page.goto(`${ORIGIN}/#${name}`);
      await page.reload();
      await page.evaluate(() => window.galleryReady);
      // Let the countdown tick settle and fonts paint before the picture.
      await page.waitForTimeout(150);
      const box = await page.locator('titan-connect-widget').boundingBox();
      await page.screenshot({
        path: join(out, `${name}${suffix}.png`),
        clip: { x: 0, y: 0, width, height: Math.ceil(box.y + box.height + 16) },
      });
      console.log(`docs/screenshots/${name}${suffix}.png`);
    }
    await page.close();
  }
} finally {
  await browser.close();
}
