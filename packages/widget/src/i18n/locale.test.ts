import { assert } from '../test/assert.js';
import { mountWidget, visibleText, waitFor, waitForText } from '../test/dom.js';
import { FakeWidgetServer, useFakeWidgetServer } from '../test/fake-server.js';
import { widgetState } from '../test/fixtures.js';
import { pickLocale } from './locale.js';

describe('locale', () => {
  const PICKS: [string | null, string][] = [
    ['es', 'es'],
    ['es-MX', 'es'],
    ['pt-BR', 'pt-BR'],
    ['pt-PT', 'pt-BR'],
    ['pt_br', 'pt-BR'],
    ['en-GB', 'en'],
    ['de', 'en'],
    [null, 'en'],
  ];
  for (const [tag, expected] of PICKS) it(`pickLocale(${tag}) → ${expected}`, () => assert.equal(pickLocale(tag), expected));

  let server: FakeWidgetServer;
  useFakeWidgetServer((installed) => (server = installed));

  const TEXTS: [string, string, string][] = [
    ['es', 'Escanea el código QR', 'Número de teléfono'],
    ['pt-BR', 'Escaneie o código QR', 'Número de telefone'],
    ['en', 'Scan the QR code', 'Phone number'],
  ];
  for (const [locale, heading, tab] of TEXTS) {
    it(`the session locale ${locale} translates the widget`, async () => {
      server.opening = [{ event: 'state', data: widgetState({ locale }) }];
      const widget = await mountWidget();
      await waitForText(widget, heading);
      assert.includes(visibleText(widget), tab);
    });
  }

  it('switches language live when the locale attribute changes', async () => {
    server.opening = [{ event: 'state', data: widgetState({ locale: 'es' }) }];
    const widget = await mountWidget();
    await waitForText(widget, 'Escanea el código QR');
    widget.setAttribute('locale', 'pt-BR');
    await waitForText(widget, 'Escaneie o código QR');
    widget.setAttribute('locale', 'en');
    await waitFor(() => visibleText(widget).includes('Scan the QR code'), () => visibleText(widget));
  });
});
