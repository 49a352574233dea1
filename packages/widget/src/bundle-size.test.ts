// Budget (issue 4): everything the hosted widget page loads ≤ 20 KB min+gzip, whatever its language
// and method. The page is `page.js`, which imports the build of its language (`page-<locale>.js`,
// lit-localize transform mode: strings inlined, no translation chunk), that build's static imports,
// and, for sessions offering Cloud API, the lazy Cloud API panel chunk (those pages load Facebook's
// SDK too, which is Meta's and not counted). CSS is inside the JS. Reads the build output
// (`pnpm test` builds first); `pnpm bench widget` prints the same figures.
import { assert } from './test/assert.js';

const DIST = '/packages/widget/dist/';
export const BUDGET_BYTES = 20 * 1024;
const LOCALES = ['en', 'es', 'pt-BR'];

async function gzipSize(text: string): Promise<number> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

async function fetchBuilt(file: string): Promise<string> {
  // `%2E` for the dot: the dev server's esbuild plugin picks files by extension and would
  // re-emit them unminified with an inline source map; this way we get the bytes as built.
  const response = await fetch(DIST + file.replace(/\.js$/, '%2Ejs'));
  assert.ok(response.ok, `${DIST + file} missing: run pnpm --filter @titan-connect/widget build`);
  return response.text();
}

/** Sizes of a file and every file it imports statically; dynamic imports are collected apart. */
async function walk(file: string, seen = new Map<string, number>(), lazy = new Set<string>()) {
  if (seen.has(file)) return { seen, lazy };
  const code = await fetchBuilt(file);
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

/** What a page in `locale` loads: for QR and pairing sessions, and with the Cloud API panel. */
async function pageBytes(locale: string) {
  const { seen, lazy } = await walk(`page-${locale}.js`, (await walk('page.js')).seen);
  const cloudChunks = [...lazy].filter((chunk) => chunk.startsWith('cloud-api-panel'));
  return { seen, lazy, cloudChunks, eager: sum(seen.values()), cloud: cloudChunks.length === 1 ? await added(cloudChunks[0]!, seen) : NaN };
}

describe('bundle size', () => {
  it('page.js loads the build of the page language', async () => {
    const boot = await fetchBuilt('page.js');
    assert.includes(boot, 'import(`./page-${', 'page.js imports ./page-<locale>.js');
    for (const locale of LOCALES) await fetchBuilt(`page-${locale}.js`);
  });

  // The per-language builds are made by lit-localize's transform, which the source-level tests
  // never run: check that each build holds its own strings and not the others'.
  const QR_TITLES: Record<string, string> = { en: 'Scan the QR code', es: 'Escanea el código QR', 'pt-BR': 'Escaneie o código QR' };
  for (const locale of LOCALES) {
    it(`page-${locale}.js speaks ${locale} only`, async () => {
      const code = await fetchBuilt(`page-${locale}.js`);
      for (const [other, title] of Object.entries(QR_TITLES)) {
        assert.equal(code.includes(title), other === locale, `${JSON.stringify(title)} in page-${locale}.js`);
      }
    });
  }

  for (const locale of LOCALES) {
    it(`a ${locale} widget page loads ≤ 20 KB min+gzip, Cloud API panel included`, async () => {
      const { seen, lazy, cloudChunks, eager, cloud } = await pageBytes(locale);
      assert.ok(![...seen.keys()].some((file) => file.startsWith('cloud-api-panel')), 'the Cloud API panel is not loaded eagerly');
      assert.equal(cloudChunks.length, 1, 'one lazy Cloud API panel chunk');
      assert.deepEqual([...lazy].filter((chunk) => !cloudChunks.includes(chunk)), [], 'no translation chunk: the strings are in the build');
      console.log(`${locale} widget page: ${eager} B QR/pairing, ${eager + cloud} B with Cloud API (gzip; budget ${BUDGET_BYTES} B)`);
      assert.ok(eager + cloud <= BUDGET_BYTES, `${eager + cloud} B over the ${BUDGET_BYTES} B budget`);
    });
  }
});
