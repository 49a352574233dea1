// The React 19 and Vue 3 examples (examples/react, examples/vue) as users run them: a Vite
// production build, served by the example backend, in Chromium. Each embeds the widget both ways,
// `<titan-connect-widget>` in its template and `mount()` from the loader; the virtual phone of the
// simulator engine scans the QR and the app must hear `connected` exactly once.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { startE2e, widgetTokenOf, type E2e } from './harness.ts';

const EXAMPLES = new URL('..', import.meta.url).pathname;
const APPS = ['react', 'vue'] as const;

let e2e: E2e;
before(async () => {
  // `vite build` as each example's `build` script runs it (its own Vite, from its node_modules).
  for (const app of APPS) {
    const dir = join(EXAMPLES, app);
    await promisify(execFile)(process.execPath, [join(dir, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: dir });
  }
  e2e = await startE2e({ engine: 'simulator' });
});
after(() => e2e?.close());
afterEach(async () => assert.deepEqual(await e2e.closePages(), [], 'no uncaught script errors in the pages'));

test('both apps type-check with the packages\u2019 own types (tsc, vue-tsc with strictTemplates), no declarations', async () => {
  const typecheck = { react: 'typescript/bin/tsc', vue: 'vue-tsc/bin/vue-tsc.js' };
  for (const app of APPS) {
    const dir = join(EXAMPLES, app);
    await promisify(execFile)(process.execPath, [join(dir, 'node_modules', typecheck[app]), '-p', '.'], { cwd: dir }).catch((error: { stdout?: string }) => {
      assert.fail(`${app} does not type-check:\n${error.stdout}`);
    });
  }
});

/** The widget token of the element's `widget-url`, or of the iframe `mount()` made. */
async function widgetToken(page: Page, via: 'element' | 'mount'): Promise<string> {
  if (via === 'mount') return widgetTokenOf(page, '#widget iframe');
  const url = await page.locator('titan-connect-widget').getAttribute('widget-url');
  const token = url && new URL(url).searchParams.get('token');
  assert.ok(token, `no widget token in widget-url ${url}`);
  return token;
}

for (const app of APPS) {
  for (const via of ['element', 'mount'] as const) {
    test(`${app}: ${via === 'element' ? '<titan-connect-widget>' : 'mount()'} in the production build, QR scan → connected once`, async () => {
      const { page } = await e2e.newPage();
      await page.goto(`${e2e.backendUrl}/${app}/?via=${via}`);
      await page.getByRole('button', { name: 'Connect WhatsApp' }).click();
      // The QR as the user sees it: in the element's shadow root, or inside the iframe.
      const qr = via === 'element' ? page.locator('titan-connect-widget titan-qr-panel svg') : page.frameLocator('#widget iframe').locator('titan-qr-panel svg');
      await qr.first().waitFor();
      if (via === 'element') assert.equal(await page.evaluate(() => !!customElements.get('titan-connect-widget')), true);
      else assert.equal(await page.locator('iframe').count(), 1, 'one iframe');
      const state = await e2e.widgetState(await widgetToken(page, via));
      assert.ok(state.qr, 'the widget shows a QR, so the state has one');
      await e2e.phone('scan', { qr: state.qr.qr });

      await page.locator('#status', { hasText: /^Linked \d+ by qr\.$/ }).waitFor();
      // A second `connected` (a doubled listener, a doubled iframe) would land right behind the first.
      await page.waitForTimeout(300);
      const heard = (await page.evaluate('JSON.parse(JSON.stringify(window.titanEvents))')) as Record<string, unknown>[];
      assert.equal(heard.length, 1, `connected once, got ${JSON.stringify(heard)}`);
      assert.deepEqual({ session: heard[0]!.session, method: heard[0]!.method }, { session: state.session, method: 'qr' });
      assert.equal((await e2e.sessionInfo(state.session)).status, 'CONNECTED');
    });
  }
}
