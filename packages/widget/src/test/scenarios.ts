// Every mode and state the widget can show, as the stream that produces it. Shared by the
// accessibility test and the screenshot script so both cover the same list.
import type { WidgetEvent } from '@titan-connect/protocol';
import { waitFor } from './dom.js';
import { FakeWidgetServer } from './fake-server.js';
import { connected, inSeconds, pairingCode, qr, widgetState } from './fixtures.js';

export interface Scenario {
  name: string;
  /** Events every stream opens with. */
  opening: WidgetEvent[];
  /** Element attributes (theme, locale). */
  attributes?: Record<string, string>;
  /** Status the stream answers with. */
  eventsStatus?: number;
  /** After the first render: break the stream, type into the form… */
  act?(server: FakeWidgetServer, widget: HTMLElement): Promise<void> | void;
  /** Text that shows the scenario has rendered. */
  ready: string;
}

const state = (overrides: Parameters<typeof widgetState>[0] = {}): WidgetEvent[] => [{ event: 'state', data: widgetState(overrides) }];

// Cloud API: a stand-in FB SDK as a data: URL (no network); its login reports a closed popup.
const FB_SDK_STUB = `data:text/javascript,${encodeURIComponent("window.FB={init(){},login(done){setTimeout(()=>done({authResponse:null,status:'unknown'}))}}")}`;
const cloudApi = state({
  mode: 'cloud-api',
  methods: ['cloud-api'],
  qr: null,
  meta: { appId: '1234567890', configId: 'cfg-42', sdkUrl: FB_SDK_STUB, graphVersion: 'v21.0' },
});
/** The Cloud API panel once its SDK is loaded (the button enabled). */
const cloudApiReady = (widget: HTMLElement) =>
  waitFor(() => {
    const panel = widget.shadowRoot!.querySelector('titan-cloud-api-panel') as (HTMLElement & { phase?: string }) | null;
    return panel?.phase === 'ready' ? panel : null;
  }, 'the Cloud API panel ready');

export const SCENARIOS: Scenario[] = [
  { name: 'loading', opening: [], ready: 'Loading…' },
  { name: 'all-qr', opening: state(), ready: 'The code refreshes in' },
  { name: 'all-qr-cloud-api', opening: state({ methods: ['qr', 'pairing', 'cloud-api'] }), ready: 'Cloud API' },
  { name: 'qr-only', opening: state({ mode: 'qr', methods: ['qr'] }), ready: 'The code refreshes in' },
  { name: 'qr-generating', opening: state({ mode: 'qr', methods: ['qr'], qr: null, phase: 'starting' }), ready: 'Generating the QR code…' },
  { name: 'qr-expired', opening: state({ qr: null, phase: 'expired', statusReason: 'QR_TIMEOUT', expired: { reason: 'QR_TIMEOUT' } }), ready: 'The QR code expired' },
  { name: 'pairing-form', opening: state({ mode: 'pairing', methods: ['pairing'] }), ready: 'Get pairing code' },
  {
    name: 'pairing-invalid',
    opening: state({ mode: 'pairing', methods: ['pairing'] }),
    ready: 'Start with your country code',
    async act(_server, widget) {
      const input = await waitFor(() => widget.shadowRoot!.querySelector('titan-pairing-panel')?.shadowRoot?.querySelector('input'), 'form');
      const panel = input.getRootNode() as ShadowRoot;
      input.value = '011 91234-5678';
      input.dispatchEvent(new InputEvent('input'));
      panel.querySelector('form')!.requestSubmit();
    },
  },
  { name: 'pairing-code', opening: state({ mode: 'pairing', methods: ['pairing'], pairingCode: pairingCode(), qr: null }), ready: 'ABCD-1234' },
  { name: 'cloud-api-unconfigured', opening: state({ mode: 'cloud-api', methods: ['cloud-api'], qr: null }), ready: 'Cloud API is not configured' },
  { name: 'cloud-api', opening: cloudApi, act: async (_server, widget) => void (await cloudApiReady(widget)), ready: 'Continue with Facebook' },
  {
    name: 'cloud-api-cancelled',
    opening: cloudApi,
    async act(_server, widget) {
      (await cloudApiReady(widget)).shadowRoot!.querySelector('button')!.click();
    },
    ready: 'The Facebook window was closed before the end.',
  },
  {
    name: 'cloud-api-connected',
    opening: state({
      mode: 'cloud-api',
      methods: ['cloud-api'],
      qr: null,
      status: 'CONNECTED',
      statusReason: null,
      phase: 'connected',
      connected: connected({ method: 'cloud-api', phone: '15550001111', pushName: 'Acme', wabaId: '102290129340398', phoneNumberId: '106540352242922' }),
    }),
    ready: 'WhatsApp Business Account 102290129340398',
  },
  { name: 'connected', opening: state({ status: 'CONNECTED', statusReason: null, phase: 'connected', connected: connected(), qr: null }), ready: 'WhatsApp connected' },
  {
    name: 'failed-retryable',
    opening: state({ status: 'DISCONNECTED', phase: 'failed', qr: null, failure: { code: 'WA_UNREACHABLE', message: 'Could not reach WhatsApp servers', retryable: true } }),
    ready: 'Try again',
  },
  {
    name: 'failed-final',
    opening: state({ status: 'DISCONNECTED', phase: 'failed', qr: null, failure: { code: 'LOGGED_OUT', message: 'Logged out', retryable: false } }),
    ready: 'Ask the app for a new link',
  },
  { name: 'token-expired', opening: [], eventsStatus: 403, ready: 'This link has expired' },
  {
    name: 'reconnecting',
    opening: state(),
    ready: 'Reconnecting…',
    async act(server) {
      await waitFor(() => server.openStreams === 1, 'stream open');
      server.opening = [];
      server.eventsStatus = 503;
      server.drop();
    },
  },
  { name: 'dark-qr', opening: state({ qr: qr({ expiresAt: inSeconds(45) }) }), attributes: { theme: 'dark' }, ready: 'The code refreshes in' },
  { name: 'dark-pairing-code', opening: state({ mode: 'pairing', methods: ['pairing'], pairingCode: pairingCode() }), attributes: { theme: 'dark' }, ready: 'ABCD-1234' },
  { name: 'es-qr', opening: state({ locale: 'es' }), ready: 'Escanea el código QR' },
  { name: 'pt-BR-pairing-code', opening: state({ locale: 'pt-BR', pairingCode: pairingCode() }), ready: 'Digite este código no seu celular' },
];
