// `node examples/backend/server.mjs` (after `pnpm build`): the example backend on
// http://localhost:4000, serving the script-tag, iframe and SPA examples.
//
//   TITAN_URL, TITAN_API_KEY   an existing Titan Connect and a key with `sessions:manage`;
//                              without TITAN_API_KEY a local one is started (simulator engine)
//   PORT                       this backend's port (4000)
//   EXAMPLE_PUBLIC_URL         how browsers reach this backend (http://localhost:$PORT): the one
//                              origin allowed to frame the widget, so open exactly this URL
import { createExampleBackend } from './app.mjs';
import { startLocalTitan } from './local-titan.mjs';

const port = Number(process.env.PORT ?? 4000);
const publicUrl = process.env.EXAMPLE_PUBLIC_URL ?? `http://localhost:${port}`;
let titanUrl = process.env.TITAN_URL ?? 'http://localhost:3000';
let apiKey = process.env.TITAN_API_KEY;
if (!apiKey) {
  console.log('No TITAN_API_KEY: starting a local Titan Connect (simulator engine) ...');
  ({ titanUrl, apiKey } = await startLocalTitan({ port: Number(new URL(titanUrl).port || 3000) }));
}

createExampleBackend({ titanUrl, apiKey, publicUrl }).listen(port, () => {
  console.log(`Example backend on ${publicUrl} (Titan Connect at ${titanUrl})`);
  for (const path of ['/script-tag/', '/iframe/', '/spa/']) console.log(`  ${publicUrl}${path}`);
});
