// Budget: everything the hosted widget page loads for a QR or pairing session (page.js, the chunks
// it imports, and the one translation chunk a non-English page adds; CSS is inside the JS)
// ≤ 20 KB min+gzip. The Cloud API panel is a lazy chunk fetched only by sessions offering it
// (they load Facebook's SDK too); its figure is printed here and in `pnpm bench widget`.
// Reads the build output (`pnpm test` builds first).
import { assert } from './test/assert.js';

const DIST = '/packages/widget/dist/';
export const BUDGET_BYTES = 20 * 1024;

async function gzipSize(text: string): Promise<number> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

/** Sizes of a file and every file it imports statically; dynamic imports are collected apart. */
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

const sum = (sizes: Iterable<number>) => [...sizes].reduce((a, b) => a + b, 0);

/** Bytes a lazy chunk adds on top of what is already loaded (its own static imports included). */
async function added(chunk: string, loaded: Map<string, number>): Promise<number> {
  const { seen } = await walk(chunk, new Map(loaded));
  return sum([...seen].filter(([file]) => !loaded.has(file)).map(([, size]) => size));
}

describe('bundle size', () => {
  it('a QR or pairing widget page loads ≤ 20 KB min+gzip, whatever its language', async () => {
    const { seen, lazy } = await walk('page.js');
    const translations = [...lazy].filter((chunk) => /^(es|pt-BR)-/.test(chunk));
    assert.equal(translations.length, 2, 'the es and pt-BR translations are lazy chunks');
    assert.ok(![...seen.keys()].some((file) => file.startsWith('cloud-api-panel')), 'the Cloud API panel is not loaded eagerly');
    const eager = sum(seen.values());
    let translation = 0;
    for (const chunk of translations) translation = Math.max(translation, await added(chunk, seen));
    const cloudChunk = [...lazy].find((chunk) => chunk.startsWith('cloud-api-panel'));
    const cloud = cloudChunk ? await added(cloudChunk, seen) : 0;
    console.log(
      `widget page: ${eager} B + ${translation} B translation = ${eager + translation} B gzip (budget ${BUDGET_BYTES} B); ` +
        `Cloud API sessions add ${cloud} B`,
    );
    assert.ok(eager + translation <= BUDGET_BYTES, `${eager + translation} B over the ${BUDGET_BYTES} B budget`);
  });
});
