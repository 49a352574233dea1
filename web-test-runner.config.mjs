// Browser tests (widget, loader) in the system Chromium through Playwright; no browser download.
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { playwrightLauncher } from '@web/test-runner-playwright';
import { CHROMIUM_ARGS, findChromium } from './scripts/chromium.mjs';
// Cloud API panel tests: Meta's SDK played by a local fake on its own origin (see the file).
import { fakeFbSdkMiddleware, fakeFbSdkPlugin } from './packages/widget/src/test/wtr-fake-fb-sdk.mjs';

const executablePath = findChromium();

export default {
  files: ['packages/widget/src/**/*.test.ts', 'packages/loader/src/**/*.test.ts'],
  middleware: [fakeFbSdkMiddleware],
  nodeResolve: { exportConditions: ['source', 'browser', 'development'] },
  plugins: [esbuildPlugin({ ts: true, target: 'es2022', tsconfig: 'packages/widget/tsconfig.json' }), fakeFbSdkPlugin()],
  browsers: [playwrightLauncher({ product: 'chromium', launchOptions: { executablePath, args: CHROMIUM_ARGS, headless: true } })],
  // Lit's dev build says so on every page; the message tells a test reader nothing.
  filterBrowserLogs: ({ args }) => !String(args[0]).includes('Lit is in dev mode'),
  concurrency: 1,
  testFramework: { config: { timeout: 10000 } },
  testsFinishTimeout: 300000,
};
