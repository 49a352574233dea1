// The end-to-end latency a user feels: from the phone acting (QR scanned, pairing code typed) to
// the host page's `titan-connected` DOM event, through the real server, the example backend's
// script-tag page and Chromium. Simulator engine first (the baseline: no WhatsApp protocol at
// all), then `emulated` (unmodified Baileys against the in-process edge emulator: pair-success,
// 515 restart, login). Reuses the e2e harness (examples/e2e/harness.ts).
import type { Page } from 'playwright-core';
import { startE2e, type E2e } from '../examples/e2e/harness.ts';
import type { BenchResult } from './run.ts';

const RUNS = 5;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** A script-tag page whose `titan-connected` calls back into this process, timestamped here. */
async function openHostPage(e2e: E2e, mode: 'qr' | 'all'): Promise<{ page: Page; connected: Promise<number> }> {
  const { page } = await e2e.newPage();
  let resolve!: (at: number) => void;
  const connected = new Promise<number>((r) => (resolve = r));
  await page.exposeFunction('benchConnected', () => resolve(performance.now()));
  await page.addInitScript({ content: `document.addEventListener('titan-connected', () => window.benchConnected())` });
  await page.goto(`${e2e.backendUrl}/script-tag/?mode=${mode}`);
  return { page, connected };
}

async function measure(engine: 'simulator' | 'emulated'): Promise<{ qr: number; pairing: number }> {
  const e2e = await startE2e({ engine });
  try {
    const qr: number[] = [];
    const pairing: number[] = [];
    // One extra run of each, first, warms the JIT, the bundle cache and Baileys' imports.
    for (let run = 0; run <= RUNS; run++) {
      {
        const { page, connected } = await openHostPage(e2e, 'qr');
        const frame = page.frameLocator('iframe').first();
        await frame.locator('titan-qr-panel svg').first().waitFor();
        const token = new URL((await page.locator('iframe').getAttribute('src'))!).searchParams.get('token')!;
        const { qr: shown } = await e2e.widgetState(token);
        const start = performance.now();
        await e2e.phone('scan', { qr: shown!.qr });
        const at = await connected;
        if (run > 0) qr.push(at - start);
      }
      {
        const { page, connected } = await openHostPage(e2e, 'all');
        const panel = page.frameLocator('iframe').first();
        await panel.locator('#tab-pairing').click();
        await panel.locator('titan-pairing-panel input#phone').fill('+55 11 91234-5678');
        await panel.locator('titan-pairing-panel button[type=submit]').click();
        const code = (await panel.locator('titan-pairing-panel [part=code]').textContent())!.trim();
        const start = performance.now();
        await e2e.phone('enter-code', { code });
        const at = await connected;
        if (run > 0) pairing.push(at - start);
      }
      await e2e.closePages();
    }
    return { qr: median(qr), pairing: median(pairing) };
  } finally {
    await e2e.close();
  }
}

export default async function e2eBench(): Promise<BenchResult[]> {
  const simulator = await measure('simulator');
  const emulated = await measure('emulated');
  return [
    { name: `baseline: simulator, QR scan → host titan-connected (median of ${RUNS})`, value: simulator.qr, unit: 'ms' },
    { name: 'emulated (real Baileys), QR scan → host titan-connected', value: emulated.qr, unit: 'ms', target: { op: '<=', value: 1000 } },
    { name: '  ratio to baseline', value: emulated.qr / simulator.qr, unit: 'x' },
    { name: `simulator, pairing code typed → host titan-connected`, value: simulator.pairing, unit: 'ms' },
    { name: 'emulated (real Baileys), pairing code typed → host titan-connected', value: emulated.pairing, unit: 'ms', target: { op: '<=', value: 1000 } },
  ];
}
