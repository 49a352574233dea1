// axe-core on every mode and state (light and dark), inside the shadow roots.
import { assert } from './test/assert.js';
import { mountWidget, waitForText } from './test/dom.js';
import { FakeWidgetServer, useFakeWidgetServer } from './test/fake-server.js';
import { SCENARIOS } from './test/scenarios.js';

interface AxeResults {
  violations: { id: string; impact: string; help: string; nodes: { target: unknown[] }[] }[];
}
declare const axe: { run(context: Element, options?: object): Promise<AxeResults> };

before(async () => {
  await new Promise<void>((resolve, reject) => {
    const script = document.createElement('script');
    script.src = '/node_modules/axe-core/axe.min.js';
    script.onload = () => resolve();
    script.onerror = () => reject(new Error('axe-core did not load'));
    document.head.append(script);
  });
});

describe('accessibility (axe-core)', () => {
  let server: FakeWidgetServer;
  useFakeWidgetServer((installed) => (server = installed));

  for (const scenario of SCENARIOS) {
    it(`${scenario.name}: no violations`, async () => {
      server.opening = scenario.opening;
      if (scenario.eventsStatus) server.eventsStatus = scenario.eventsStatus;
      const widget = await mountWidget(scenario.attributes);
      await scenario.act?.(server, widget);
      await waitForText(widget, scenario.ready);
      const results = await axe.run(widget, { resultTypes: ['violations'] });
      const found = results.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${JSON.stringify(v.nodes.map((n) => n.target))}`);
      assert.deepEqual(found, []);
    });
  }
});
