// Runs every test: node tests (server, protocol, emulator, examples end to end) with node's test
// runner, then browser tests (widget, loader) with web-test-runner in the system Chromium.
// `node scripts/test.mjs node|browser` runs one half. Extra arguments filter node test files.
import { spawn } from 'node:child_process';
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
// `scripts`: the build's own helpers (the Lit template minifier) have node tests too.
const all = [...walk(join(root, 'packages')), ...walk(join(root, 'examples')), ...walk(join(root, 'scripts'))].sort();
const nodeFiles = all
  .filter((f) => !BROWSER_PACKAGES.some((p) => f.startsWith(p)))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
const browserFiles = all.filter((f) => BROWSER_PACKAGES.some((p) => f.startsWith(p)));

let failed = false;
const totals = { passed: 0, failed: 0 };
// Strips colour codes so the runners' own summary lines can be read.
const plain = (text) => text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');

/** Runs one test runner, passing its output through, and adds its summary to `totals`. */
const run = (cmd, args, count) =>
  new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_ENV: 'test' } });
    let output = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      output += chunk;
    });
    child.on('close', (code) => {
      const [passed, failedCount] = count(plain(output));
      totals.passed += passed;
      totals.failed += failedCount;
      if (code !== 0) {
        failed = true;
        if (failedCount === 0) totals.failed += 1; // a runner that crashed counts as a failure
      }
      resolve();
    });
  });

const last = (text, re) => [...text.matchAll(re)].at(-1);

if ((which === 'all' || which === 'node') && nodeFiles.length > 0) {
  console.log(`\n▶ node tests (${nodeFiles.length} files)`);
  // --test-force-exit: Baileys leaves 30-60 s query and pre-key timers behind after a socket ends.
  await run(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', '--test', '--test-reporter=tap', '--test-force-exit', '--test-concurrency=2', ...nodeFiles],
    (out) => [Number(last(out, /^# pass (\d+)$/gm)?.[1] ?? 0), Number(last(out, /^# fail (\d+)$/gm)?.[1] ?? 0)],
  );
}
if ((which === 'all' || which === 'browser') && browserFiles.length > 0) {
  console.log(`\n▶ browser tests (${browserFiles.length} files, Chromium)`);
  await run(join(root, 'node_modules/.bin/web-test-runner'), ['--config', 'web-test-runner.config.mjs'], (out) => {
    const m = last(out, /(\d+) passed, (\d+) failed/g);
    return [Number(m?.[1] ?? 0), Number(m?.[2] ?? 0)];
  });
}
console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed`);
process.exit(failed ? 1 : 0);
