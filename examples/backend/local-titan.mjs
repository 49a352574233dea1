// For trying the examples on one machine: starts Titan Connect itself (the built server, the
// simulator engine, a throw-away database and API key) when no TITAN_API_KEY is given.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../packages/server/dist/main.js', import.meta.url));
const alnum = (bytes) => randomBytes(bytes).toString('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, bytes);

/** Starts the server on `port` and resolves once it answers; the child dies with this process. */
export async function startLocalTitan({ port = 3000 } = {}) {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`pnpm build\` first`);
  const titanUrl = `http://localhost:${port}`;
  const apiKey = `titan_sk_example${alnum(8)}_${alnum(24)}`;
  const child = spawn(process.execPath, [MAIN], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      PORT: String(port),
      PUBLIC_URL: titanUrl,
      TITAN_ENGINE: process.env.TITAN_ENGINE ?? 'simulator',
      TITAN_DB: join(mkdtempSync(join(tmpdir(), 'titan-example-')), 'titan.db'),
      TITAN_BOOTSTRAP_API_KEY: apiKey,
    },
  });
  const stop = () => child.kill();
  process.once('exit', stop);
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(0));
  child.once('exit', (code) => {
    if (code) process.exitCode = code;
  });

  // Ready when the API answers with our key (start-up creates it).
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`Titan Connect exited with code ${child.exitCode}`);
    const ok = await fetch(`${titanUrl}/api/sessions`, { headers: { Authorization: `Bearer ${apiKey}` } }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { titanUrl, apiKey, stop };
    await new Promise((r) => setTimeout(r, 200));
  }
  stop();
  throw new Error(`Titan Connect did not answer on ${titanUrl} within 20 s`);
}
