// Runs every test: node tests (server, protocol, emulator, examples end to end) with node's test
// runner, then browser tests (widget, loader) with web-test-runner in the system Chromium.
// `node scripts/test.mjs node|browser` runs one half. Extra arguments filter node test files.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const [which = 'all', ...filters] = process.argv.slice(2);

const walk = (dir, out = []) => {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
};

const BROWSER_PACKAGES = ['packages/widget/', 'packages/loader/'];
const all = [...walk(join(root, 'packages')), ...walk(join(root, 'examples'))].sort();
const nodeFiles = all
  .filter((f) => !BROWSER_PACKAGES.some((p) => f.startsWith(p)))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
const browserFiles = all.filter((f) => BROWSER_PACKAGES.some((p) => f.startsWith(p)));

let failed = false;
// --test-force-exit: Baileys leaves 30-60 s query and pre-key timers behind after a socket ends.
const run = (cmd, args) => {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } });
  if (result.status !== 0) failed = true;
};

if ((which === 'all' || which === 'node') && nodeFiles.length > 0) {
  console.log(`\n▶ node tests (${nodeFiles.length} files)`);
  run(process.execPath, ['--conditions=source', '--import', 'tsx', '--test', '--test-force-exit', '--test-concurrency=2', ...nodeFiles]);
}
if ((which === 'all' || which === 'browser') && browserFiles.length > 0) {
  console.log(`\n▶ browser tests (${browserFiles.length} files, Chromium)`);
  run(join(root, 'node_modules/.bin/web-test-runner'), ['--config', 'web-test-runner.config.mjs']);
}
process.exit(failed ? 1 : 0);
