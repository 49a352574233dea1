// `pnpm bench`: runs every `bench/*.bench.ts` (or those whose name contains an argument) and
// prints each figure; ratios are against a baseline measured in the same run on this machine.
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

/** One printed line of a benchmark. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** Target, e.g. `≥ 0.5` or `≤ 100 ms`; printed with ok / MISSED. */
  target?: { op: '>=' | '<='; value: number };
}

const dir = fileURLToPath(new URL('.', import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

let missed = 0;
for (const file of files) {
  console.log(`\n== ${file}`);
  const mod = (await import(pathToFileURL(join(dir, file)).href)) as { default: () => Promise<BenchResult[]> };
  for (const r of await mod.default()) {
    const shown = Number.isInteger(r.value) ? String(r.value) : r.value.toFixed(r.value < 10 ? 3 : 1);
    let verdict = '';
    if (r.target) {
      const ok = r.target.op === '>=' ? r.value >= r.target.value : r.value <= r.target.value;
      if (!ok) missed++;
      verdict = `  (target ${r.target.op === '>=' ? '≥' : '≤'} ${r.target.value}${r.unit ? ' ' + r.unit : ''}: ${ok ? 'ok' : 'MISSED'})`;
    }
    console.log(`${r.name.padEnd(64)} ${shown}${r.unit ? ' ' + r.unit : ''}${verdict}`);
  }
}
console.log(`\n${files.length} benchmark files, ${missed} targets missed`);
