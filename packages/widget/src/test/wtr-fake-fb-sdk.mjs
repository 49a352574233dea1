// web-test-runner hooks for the Cloud API panel tests. The plugin runs the server's fake FB JS SDK
// (packages/server/src/test-support/fake-fb-sdk.ts) on its own loopback origin, as Meta's SDK
// lives on its own origin in production (the panel's origin check and the popup's cross-origin
// postMessage are then real); the middleware tells the tests where it is:
//   GET /__titan/fake-fb-sdk              → { sdkUrl, origin }
//   GET /__titan/flaky-fb-sdk?key=<any>   → 503 the first time for each key, then a redirect to
//                                             the fake SDK (an SDK that fails to load, then a retry)
// No file extensions: web-test-runner marks every path with one cacheable for a year, and the
// browser would then replay the 503 instead of asking again.
import { tsImport } from 'tsx/esm/api';

let sdk = null;
const failedOnce = new Set();

export function fakeFbSdkPlugin() {
  return {
    name: 'titan-fake-fb-sdk',
    async serverStart() {
      const { startFakeFbSdk } = await tsImport('../../../server/src/test-support/fake-fb-sdk.ts', import.meta.url);
      sdk = await startFakeFbSdk();
    },
    async serverStop() {
      await sdk?.close();
      sdk = null;
    },
  };
}

/** Koa middleware (web-test-runner's `middleware` runs before its file serving). */
export async function fakeFbSdkMiddleware(ctx, next) {
  if (!sdk || !ctx.path.startsWith('/__titan/')) return next();
  if (ctx.path === '/__titan/fake-fb-sdk') {
    ctx.type = 'json';
    ctx.body = JSON.stringify({ sdkUrl: sdk.sdkUrl, origin: sdk.origin });
  } else if (ctx.path === '/__titan/flaky-fb-sdk') {
    const key = String(ctx.query.key ?? '');
    if (failedOnce.has(key)) return ctx.redirect(sdk.sdkUrl);
    failedOnce.add(key);
    ctx.status = 503;
    ctx.body = 'unavailable';
  } else return next();
}
