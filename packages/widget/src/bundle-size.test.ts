// Budget: everything the hosted widget page loads (page.js, the chunks it imports, and the one
// translation chunk a non-English page adds; CSS is inside the JS) ≤ 20 KB min+gzip.
// Reads the build output (`pnpm test` builds first).
import { assert } from './test/assert.js';

const DIST = '/packages/widget/dist/';
export const BUDGET_BYTES = 20 * 1024;

async function gzipSize(text: string): Promise<number> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

/** Sizes of a file and every file it imports statically; dynamic imports are listed apart. */
async function walk(file: string, seen = new Map<string, number>(), lazy = new Set<string>()) {
  if (seen.has(file)) return { seen, lazy };
  // `%2E` for the dot: the dev server's esbuild plugin picks files by extension and would
  // re-emit them unminified with an inline source map; this way we get the bytes as built.
  const response = await fetch(DIST + file.replace(/\.js$/, '%2Ejs'));
  assert.ok(response.ok, `${DIST + file} missing: run pnpm --filter @titan-connect/widget build`);
  const code = await response.text();
  seen.set(file, await gzipSize(code));
  for (const [, spec] of code.matchAll(/(?:import|from)\s*"\.\/([^"]+)"/g)) await walk(spec!, seen, lazy);
  for (const [, spec] of code.matchAll(/import\(\s*"\.\/([^"]+)"\s*\)/g)) lazy.add(spec!);
  return { seen, lazy };
}

describe('bundle size', () => {
  it('the widget page loads ≤ 20 KB min+gzip, whatever its language', async () => {
    const { seen, lazy } = await walk('page.js');
    const eager = [...seen.values()].reduce((a, b) => a + b, 0);
    let largestLazy = 0;
    for (const chunk of lazy) {
      const { seen: extra } = await walk(chunk, new Map(seen));
      const added = [...extra.entries()].filter(([f]) => !seen.has(f)).reduce((a, [, size]) => a + size, 0);
      largestLazy = Math.max(largestLazy, added);
    }
    assert.ok(lazy.size >= 2, 'the es and pt-BR translations are lazy chunks');
    const total = eager + largestLazy;
    console.log(`widget page: ${eager} B eager + ${largestLazy} B largest translation = ${total} B gzip (budget ${BUDGET_BYTES} B)`);
    assert.ok(total <= BUDGET_BYTES, `${total} B over the ${BUDGET_BYTES} B budget`);
  });
});
