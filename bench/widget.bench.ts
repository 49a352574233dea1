// The widget page's budget (issue 4): bytes it loads (min+gzip) and the time from
// DOMContentLoaded to the first QR on screen, against the real server with the simulator engine
// in this process and the page in the system Chromium.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, findChromium } from '../scripts/chromium.mjs';
import type { BenchResult } from './run.ts';

const DIST = new URL('../packages/widget/dist/', import.meta.url).pathname;
const RUNS = 7;
const API_KEY = 'titan_sk_benchwidget_0123456789abcdefghijklmnopqrstuv';

const LOCALES = ['en', 'es', 'pt-BR'] as const;

/**
 * gzip sizes of what the hosted page in `locale` loads: page.js, the build of its language
 * (`page-<locale>.js`) with its static imports, and what the lazy Cloud API panel chunk adds.
 */
function pageBytes(locale: string): { eager: number; cloudApi: number } {
  const eager = new Map<string, number>();
  const lazy = new Set<string>();
  const walk = (file: string, into: Map<string, number>) => {
    if (into.has(file)) return;
    const code = readFileSync(join(DIST, file), 'utf8');
    into.set(file, gzipSync(code).byteLength);
    for (const [, spec] of code.matchAll(/(?:import|from)\s*"\.\/([^"]+)"/g)) walk(spec!, into);
    for (const [, spec] of code.matchAll(/import\(\s*"\.\/([^"]+)"\s*\)/g)) lazy.add(spec!);
  };
  const added = (chunk: string) => {
    const extra = new Map(eager);
    walk(chunk, extra);
    return [...extra].filter(([f]) => !eager.has(f)).reduce((a, [, s]) => a + s, 0);
  };
  walk('page.js', eager);
  walk(`page-${locale}.js`, eager);
  const cloudApi = Math.max(0, ...[...lazy].filter((c) => c.startsWith('cloud-api-panel')).map(added));
  return { eager: [...eager.values()].reduce((a, b) => a + b, 0), cloudApi };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * In the page before any script: DOMContentLoaded → the first animation frame with the QR path
 * in the DOM. A string, not a function: tsx would wrap a function in helpers the page lacks.
 */
const MEASURE_FIRST_QR = `
  window.firstQr = new Promise((resolve) => {
    document.addEventListener('DOMContentLoaded', () => {
      const start = performance.now();
      const tick = () => {
        const widget = document.querySelector('titan-connect-widget');
        const path = widget?.shadowRoot?.querySelector('titan-qr-panel')?.shadowRoot?.querySelector('svg path');
        // rAF callbacks run just before the frame paints: a QR found here is on screen in this frame.
        if (path) resolve({ sinceDcl: performance.now() - start, sinceNavigation: performance.now() });
        else requestAnimationFrame(tick);
      };
      tick();
    });
  });`;

export default async function widgetBench(): Promise<BenchResult[]> {
  const budget = { op: '<=', value: 20480 } as const;
  const sizes = LOCALES.map(pageBytes);
  const results: BenchResult[] = [
    { name: 'widget page JS+CSS, QR/pairing, English (min+gzip)', value: sizes[0]!.eager, unit: 'B', target: budget },
    { name: 'widget page JS+CSS, QR/pairing, es or pt-BR (min+gzip)', value: Math.max(sizes[1]!.eager, sizes[2]!.eager), unit: 'B', target: budget },
    // Cloud API sessions also load Facebook's SDK (not counted: it is Meta's, from Meta's CDN).
    { name: 'widget page JS+CSS, Cloud API offered, worst language (min+gzip)', value: Math.max(...sizes.map((s) => s.eager + s.cloudApi)), unit: 'B', target: budget },
  ];

  const { startServer } = await import('../packages/server/src/main.ts');
  const dir = mkdtempSync(join(tmpdir(), 'titan-widget-bench-'));
  const { pino } = await import(new URL('../packages/server/node_modules/pino/pino.js', import.meta.url).href);
  const running = await startServer(
    { PORT: '0', TITAN_DB: join(dir, 'titan.db'), TITAN_ENGINE: 'simulator', TITAN_SECRET: 'bench-secret-0123456789-abcdefghijklmnop', TITAN_BOOTSTRAP_API_KEY: API_KEY, TITAN_DEMO: '0' },
    pino({ level: 'silent' }),
  );
  const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS, headless: true });
  try {
    const timings: number[] = [];
    const fromNavigation: number[] = [];
    for (let run = 0; run < RUNS + 1; run++) {
      const response = await fetch(`${running.config.publicUrl}/api/widget/sessions`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ mode: 'qr' }),
      });
      const { data } = (await response.json()) as { data: { widgetUrl: string } };
      // A fresh context each run: no cached bundle, as for a user opening the widget once.
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.addInitScript({ content: MEASURE_FIRST_QR });
      await page.goto(data.widgetUrl);
      const firstQr = (await page.evaluate('window.firstQr')) as { sinceDcl: number; sinceNavigation: number };
      await context.close();
      // The first run warms the server's JIT and file cache.
      if (run > 0) {
        timings.push(firstQr.sinceDcl);
        fromNavigation.push(firstQr.sinceNavigation);
      }
    }
    results.push(
      { name: `first QR painted after DOMContentLoaded, cold cache (median of ${RUNS})`, value: median(timings), unit: 'ms', target: { op: '<=', value: 150 } },
      { name: `first QR painted after navigation start (page, bundle, stream; median)`, value: median(fromNavigation), unit: 'ms' },
    );
  } finally {
    await browser.close();
    await running.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
