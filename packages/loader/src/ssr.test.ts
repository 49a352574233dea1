// Importing the package where there is no DOM (server-side rendering) must be harmless. A module
// worker is such a place: no `window`, no `document`.
import { equal } from './test-fixtures/harness.js';

const importInWorker = (path: string): Promise<{ ok: boolean; exports?: string[]; error?: string }> => {
  const source = `import(${JSON.stringify(new URL(path, location.href).href)}).then(
    (m) => postMessage({ ok: typeof window === 'undefined', exports: Object.keys(m).sort() }),
    (e) => postMessage({ ok: false, error: String(e) }));`;
  const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })), { type: 'module' });
  return new Promise((resolve) => {
    worker.onmessage = ({ data }) => {
      worker.terminate();
      resolve(data);
    };
    worker.onerror = (e) => {
      worker.terminate();
      resolve({ ok: false, error: e.message });
    };
  });
};

describe('without a DOM', () => {
  for (const path of ['/packages/loader/src/pure.ts', '/packages/loader/src/index.ts'])
    it(`importing ${path} does not throw and exports mount and discover`, async () => {
      const result = await importInWorker(path);
      equal(result.error, undefined, 'import error');
      equal(result.ok, true, 'ran without window');
      equal(JSON.stringify(result.exports), '["discover","mount"]', 'exports');
    });
});
