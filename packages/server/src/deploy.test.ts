// The Docker image's bundle without Docker: runs the Dockerfile's own `pnpm deploy` line into a
// temporary folder and starts `node dist/main.js` from there, with nothing of the repository
// around it, as the image's final stage does. If the bundle missed a file or a dependency, the
// server would not start or would not find the widget's browser bundles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const KEY = 'titan_sk_DeployBundle1_0123456789abcdefghijABCDEFGHIJ';

/** The `pnpm … deploy … /out` command of the Dockerfile, as arguments after `pnpm`. */
function dockerfileDeployArgs(): string[] {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const match = /^RUN pnpm (.* deploy .*) \/out\b/m.exec(dockerfile);
  assert.ok(match, 'the Dockerfile has a `RUN pnpm … deploy … /out` line');
  return match[1]!.split(/\s+/);
}

const BUILT = ['packages/server/dist/main.js', 'packages/widget/dist/page.js', 'packages/loader/dist/loader.js'];
const missing = BUILT.filter((file) => !existsSync(join(ROOT, file)));
const pnpmVersion = spawnSync('pnpm', ['--version'], { encoding: 'utf8' });
const skip = missing.length > 0
  ? `the packages are not built (${missing.join(', ')} missing): run \`pnpm build\` first (\`pnpm test\` does)`
  : pnpmVersion.status !== 0
    ? 'pnpm is not on PATH'
    : undefined;

test('pnpm deploy bundle (the Dockerfile build step): starts alone, /healthz, /readyz, widget bundles, no dev dependencies', { skip, timeout: 90_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'titan-deploy-'));
  try {
    const deploy = spawnSync('pnpm', [...dockerfileDeployArgs(), out], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    assert.equal(deploy.status, 0, `pnpm deploy failed:\n${deploy.stdout}\n${deploy.stderr}`);

    // Production dependencies only: the test and build tools stay out of the image.
    const modules = readdirSync(join(out, 'node_modules', '.pnpm'));
    for (const dev of ['typescript@', 'tsx@', 'supertest@', 'yaml@', 'fast-check@', 'rollup@']) {
      assert.ok(!modules.some((m) => m.startsWith(dev)), `${dev} is not in the bundle`);
    }
    for (const needed of ['better-sqlite3@', 'pg@', 'prom-client@', 'baileys@']) {
      assert.ok(modules.some((m) => m.startsWith(needed)), `${needed} is in the bundle`);
    }

    // Only what the image's environment has: no tsx loader, no source conditions, no repository.
    const server = spawn(process.execPath, ['dist/main.js'], {
      cwd: out,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        PORT: '0',
        TITAN_DB: join(out, 'data', 'titan.db'),
        TITAN_SECRET: 'd'.repeat(40),
        TITAN_ENGINE: 'simulator',
        TITAN_BOOTSTRAP_API_KEY: KEY,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    server.stderr!.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => server.once('exit', resolve));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let stdout = '';
        server.stdout!.on('data', (chunk) => {
          stdout += chunk;
          const match = /listening on port (\d+)/.exec(stdout);
          if (match) resolve(Number(match[1]));
        });
        void exited.then((code) => reject(new Error(`the bundled server exited (${code}):\n${stderr}`)));
      });
      const base = `http://127.0.0.1:${port}`;
      const health = await fetch(`${base}/healthz`);
      assert.deepEqual([health.status, await health.json()], [200, { status: 'ok' }]);
      const ready = await fetch(`${base}/readyz`);
      assert.deepEqual([ready.status, await ready.json()], [200, { status: 'ready', checks: { store: 'ok' } }]);
      // The widget page and loader come from the workspace packages copied into node_modules.
      assert.equal((await fetch(`${base}/widget/loader.js`)).status, 200, 'the loader bundle is found');
      const created = await fetch(`${base}/api/widget/sessions`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ mode: 'qr' }),
      });
      assert.equal(created.status, 201);
      const { widgetUrl } = ((await created.json()) as { data: { widgetUrl: string } }).data;
      const page = await fetch(widgetUrl.replace(/^http:\/\/localhost:\d+/, base));
      assert.equal(page.status, 200);
      const script = /<script[^>]+src="([^"]+)"/.exec(await page.text());
      assert.ok(script, 'the widget page loads a script');
      assert.equal((await fetch(new URL(script[1]!, base))).status, 200, `${script[1]} is served from the bundle`);
      assert.match(await (await fetch(`${base}/metrics`)).text(), /^titan_sessions\{status="DISCONNECTED"\} 1$/m);
    } finally {
      server.kill('SIGTERM');
      assert.equal(await exited, 0, `a clean shutdown on SIGTERM\n${stderr}`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
