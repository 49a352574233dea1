// One scenario per page load (`#<name>`), for scripts/screenshots.mjs: the same fake stream and
// the same scenario list as the accessibility test, so the pictures show what the tests check.
import { mountWidget, waitForText } from './dom.js';
import { FakeWidgetServer } from './fake-server.js';
import { SCENARIOS } from './scenarios.js';

declare global {
  interface Window {
    galleryReady?: Promise<string>;
  }
}

window.galleryReady = (async () => {
  const scenario = SCENARIOS.find((s) => s.name === location.hash.slice(1));
  if (!scenario) throw new Error(`no scenario ${location.hash}`);
  const server = new FakeWidgetServer().install();
  server.opening = scenario.opening;
  if (scenario.eventsStatus) server.eventsStatus = scenario.eventsStatus;
  if (scenario.attributes?.theme === 'dark') document.body.style.background = '#0b141a';
  const widget = await mountWidget(scenario.attributes);
  await scenario.act?.(server, widget);
  await waitForText(widget, scenario.ready);
  return scenario.name;
})();

export const SCENARIO_NAMES = SCENARIOS.map((s) => s.name);
