// Size of what a host page downloads: the classic-script loader (budget 1 KB min+gzip) and the
// ESM entries a bundler would pull in. Reads the build output (`pnpm bench` builds first).
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { BenchResult } from './run.js';

const BUDGET = 1024;
const dist = new URL('../packages/loader/dist/', import.meta.url);
const read = (name: string): Buffer => readFileSync(new URL(name, dist));
/** The ESM entry and the chunk it imports (rollup names the shared chunk with a hash). */
const esm = (entry: string): Buffer => {
  const code = read(entry);
  const chunks = [...code.toString().matchAll(/from"\.\/([^"]+)"/g)].map((m) => m[1]!);
  return Buffer.concat([code, ...[...new Set(chunks)].map(read)]);
};

export default async (): Promise<BenchResult[]> => {
  const loader = read('loader.js');
  const gzipped = gzipSync(loader).length;
  return [
    { name: 'loader.js min+gzip (/widget/loader.js)', value: gzipped, unit: 'B', target: { op: '<=', value: BUDGET } },
    { name: 'loader.js min+gzip / budget', value: gzipped / BUDGET, unit: '', target: { op: '<=', value: 1 } },
    { name: 'loader.js min', value: loader.length, unit: 'B' },
    { name: 'ESM @titan-connect/loader (index + chunk) min+gzip', value: gzipSync(esm('index.js')).length, unit: 'B' },
    { name: 'ESM @titan-connect/loader/pure (pure + chunk) min+gzip', value: gzipSync(esm('pure.js')).length, unit: 'B' },
  ];
};
