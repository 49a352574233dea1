import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { ContextProvider } from '@lit/context';
import { localized, msg } from '@lit/localize';
import { WIDGET_PATHS, type ConnectedPayload, type LinkMethod, type WidgetState } from '@titan-connect/protocol';
import { WidgetApiError } from '../api/widget-api.js';
import { widgetContext, type WidgetActions, type WidgetContext } from '../context.js';
import { SessionController } from '../controllers/session-controller.js';
import { statusChanged, viewOf, type WidgetUpdate } from '../controllers/session-state.js';
import { TitanConnectedEvent, TitanErrorEvent, TitanExpiredEvent, TitanReadyEvent, TitanStatusEvent } from '../events/titan-events.js';
// `#locale` (package.json `imports`): the runtime `locale.ts`, or `locale-static.ts` in the
// hosted page's per-language builds.
import { getLocale, pickLocale, setLocale } from '#locale';
import { baseStyles } from '../shared/styles.js';
import '../qr-panel/qr-panel.js';
import '../pairing-panel/pairing-panel.js';
import '../status-view/status-view.js';
import { styles } from './connect-widget.styles.js';

/**
 * The WhatsApp linking flow of one widget session: QR code, phone-number pairing code or Cloud API,
 * and every state around them (loading, connected, failed, expired, reconnecting).
 *
 * Inside the hosted page it follows the page's own URL; placed directly, give it `widget-url`.
 *
 * @summary Links a WhatsApp number to your app.
 *
 * @event titan-ready - The first session state arrived. `detail: { session, mode }`.
 * @event titan-status - The session status changed. `detail: { session, status, statusReason }`.
 * @event titan-connected - The number is linked. `detail: { session, method, phone, pushName, redirectUrl? }`. Cancelable.
 * @event titan-error - Linking failed. `detail: { session, code, message, retryable }`.
 * @event titan-expired - The QR cycle timed out or the link expired. `detail: { session, reason }`.
 *
 * @csspart base - The card around everything.
 * @csspart tabs - The method tab list (mode `all`).
 * @csspart tab - One method tab.
 * @csspart panel - The visible method panel.
 * @csspart qr - The QR code figure.
 * @csspart code - The pairing code.
 * @csspart button - Every button.
 *
 * @cssproperty --titan-color-primary - Accent colour of buttons, tabs and focus rings. Default `#00796b`.
 * @cssproperty --titan-radius - Corner radius of the card and buttons. Default `12px`.
 * @cssproperty --titan-font - Font family. Default the system UI font.
 */
@localized()
export class TitanConnectWidget extends LitElement {
  // `static properties`, not `@state()`/`@property()`: decorator calls cost the page budget.
  static override properties = {
    widgetUrl: { attribute: 'widget-url' },
    theme: { reflect: true },
    locale: {},
    picked: { state: true },
    announcement: { state: true },
  };

  static override styles = [baseStyles, styles];

  /** The `widgetUrl` from your backend (`<server>/widget/connect?token=…`); defaults to the page's own URL. */
  widgetUrl: string | null = null;

  /** `light`, `dark`, or `auto` to follow the system. */
  theme: 'light' | 'dark' | 'auto' = 'auto';

  /** Forces a UI language (`en`, `es`, `pt-BR`); otherwise the session's locale, then the browser's. */
  locale: string | null = null;

  /** What the sub-views see; given to them by `provider` (a controller rather than `@provide`, whose code would cost the page budget). */
  private context!: WidgetContext;
  private readonly provider = new ContextProvider(this, { context: widgetContext });

  /** The method the user picked; null until they pick one. */
  private picked: LinkMethod | null = null;

  /** Text for screen readers: QR refreshes, success, reconnecting. */
  private announcement = '';

  private readonly session = new SessionController(this, {
    widgetUrl: () => this.widgetUrl ?? (typeof location === 'undefined' ? null : location.href),
    onEvent: (event, previous) => this.onSessionEvent(event, previous),
    onTokenRejected: () => {
      const current = this.session.state;
      // The server may have said so already (an `expired` event); tell the host once.
      if (current?.expired?.reason === 'TOKEN_EXPIRED') return;
      this.dispatchEvent(new TitanExpiredEvent({ session: current?.session ?? '', reason: 'TOKEN_EXPIRED' }));
    },
  });

  private readonly actions: WidgetActions = {
    requestPairingCode: async (phoneNumber) => {
      const pairingCode = await this.call((api) => api.requestPairingCode(phoneNumber));
      // The server may answer with the code or send it as a `pairing_code` event; take either.
      if (pairingCode) this.session.apply({ event: 'pairing_code', data: pairingCode });
      return pairingCode;
    },
    restartQr: async () => {
      const fresh = await this.call((api) => api.restartQr());
      // Leave the dead end at once with the server's snapshot rather than wait for its `qr`. No
      // status of our own: without a snapshot, the stream's next event brings the server's.
      if (fresh) this.session.apply({ event: 'state', data: fresh });
    },
    finishCloudApi: async (request) => {
      const body = await this.call((api) => api.post(WIDGET_PATHS.cloudApi, request));
      const connected = (body as { data?: ConnectedPayload } | null)?.data ?? null;
      // The server also sends `connected` on the stream; applying its answer now spares the wait,
      // and `connected` is announced once either way (the root compares with the previous state).
      if (connected?.session && !this.session.state?.connected) this.session.apply({ event: 'connected', data: connected });
      return connected;
    },
    selectMethod: (method) => {
      this.picked = method;
      // The button that asked for this is gone with its panel: give keyboard users the new tab.
      void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(`#tab-${method}`)?.focus());
    },
  };

  /** The current session snapshot (null until the first `state` event). */
  get state(): WidgetState | null {
    return this.session.state;
  }

  /** Methods offered as tabs: the session's list in mode `all`, else just the mode. */
  get methods(): LinkMethod[] {
    const current = this.session.state;
    if (!current) return [];
    return current.mode === 'all' ? current.methods : [current.mode];
  }

  private get method(): LinkMethod {
    const methods = this.methods;
    if (this.picked && methods.includes(this.picked)) return this.picked;
    // A pairing code already on its way (a reload mid-flow) opens on its tab.
    if (this.session.state?.pairingCode && methods.includes('pairing')) return 'pairing';
    return methods[0] ?? 'qr';
  }

  private async call<T>(run: (api: NonNullable<SessionController['api']>) => Promise<T>): Promise<T> {
    const api = this.session.api;
    if (!api) throw new WidgetApiError(0, 'NO_SESSION', 'No widget session');
    try {
      return await run(api);
    } catch (error) {
      if (error instanceof WidgetApiError && error.tokenRejected) this.session.rejectToken();
      throw error;
    }
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('widgetUrl')) this.session.sync();
    // The Cloud API panel (Embedded Signup) is a chunk of its own, fetched only for sessions that
    // offer it, so QR and pairing pages stay within the 20 KB budget. Fetched as soon as the
    // session says so, not on the tab click, so the panel is ready when the user gets there.
    if (this.methods.includes('cloud-api')) void import('../cloud-api-panel/cloud-api-panel.js');
    const locale = pickLocale(this.locale ?? this.session.state?.locale ?? navigator.language);
    if (locale !== getLocale()) void setLocale(locale);
    this.provider.setValue((this.context = {
      state: this.session.state,
      connection: this.session.connection,
      method: this.method,
      locale,
      actions: this.actions,
    }));
  }

  private onSessionEvent(event: WidgetUpdate, previous: WidgetState | null): void {
    const next = this.session.state;
    if (!next) return;
    const session = next.session;
    if (!previous) this.dispatchEvent(new TitanReadyEvent({ session, mode: next.mode }));
    // Only a real change: a QR rotating under a pairing code leaves the server's status as it was.
    if (statusChanged(previous, next)) {
      this.dispatchEvent(new TitanStatusEvent({ session, status: next.status, statusReason: next.statusReason }));
    }
    if (next.qr && event.event === 'qr' && previous?.qr) this.announce(msg('A new QR code is ready.'));
    if (next.connected && !previous?.connected) {
      this.announce(msg('WhatsApp connected.'));
      this.dispatchEvent(new TitanConnectedEvent(next.connected));
    }
    if (next.failure && next.failure !== previous?.failure && (event.event === 'failed' || !previous?.failure)) {
      this.dispatchEvent(new TitanErrorEvent({ session, ...next.failure }));
    }
    if (next.expired && next.expired.reason !== previous?.expired?.reason) {
      if (next.expired.reason === 'QR_TIMEOUT') this.announce(msg('The QR code expired.'));
      this.dispatchEvent(new TitanExpiredEvent({ session, reason: next.expired.reason }));
    }
  }

  private announce(text: string): void {
    this.announcement = text;
  }

  private onTabKeydown(event: KeyboardEvent): void {
    const methods = this.methods;
    const at = methods.indexOf(this.method);
    const target = {
      ArrowRight: methods[(at + 1) % methods.length],
      ArrowLeft: methods[(at - 1 + methods.length) % methods.length],
      Home: methods[0],
      End: methods[methods.length - 1],
    }[event.key];
    if (!target) return;
    event.preventDefault();
    this.picked = target;
    // Focus follows selection (automatic activation) once the new tab is rendered focusable.
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(`#tab-${target}`)?.focus());
  }

  private label(method: LinkMethod): string {
    return { qr: msg('QR code'), pairing: msg('Phone number'), 'cloud-api': msg('Cloud API') }[method];
  }

  private renderPanel(method: LinkMethod) {
    if (method === 'pairing') return html`<titan-pairing-panel exportparts="code,button"></titan-pairing-panel>`;
    if (method === 'cloud-api') return html`<titan-cloud-api-panel exportparts="button"></titan-cloud-api-panel>`;
    return html`<titan-qr-panel exportparts="qr,button"></titan-qr-panel>`;
  }

  private renderLinking() {
    const methods = this.methods;
    const method = this.method;
    if (methods.length < 2) return html`<div part="panel">${this.renderPanel(method)}</div>`;
    return html`
      <div role="tablist" part="tabs" aria-label=${msg('How to link')} @keydown=${this.onTabKeydown}>
        ${methods.map(
          (m) => html`<button
            role="tab"
            part="tab"
            id="tab-${m}"
            aria-selected=${m === method ? 'true' : 'false'}
            aria-controls="panel"
            tabindex=${m === method ? 0 : -1}
            @click=${() => (this.picked = m)}
          >
            ${this.label(m)}
          </button>`,
        )}
      </div>
      <!-- Focusable as the ARIA tab pattern asks: the QR panel has no control to land on. -->
      <div role="tabpanel" id="panel" part="panel" tabindex="0" aria-labelledby="tab-${method}">${this.renderPanel(method)}</div>
    `;
  }

  protected override render() {
    const view = viewOf(this.session.state, this.session.tokenRejected);
    const reconnecting = this.session.connection === 'reconnecting' && view !== 'token-expired';
    return html`
      <div part="base" class="card" lang=${this.context.locale} aria-busy=${view === 'loading' ? 'true' : 'false'}>
        <div class="sr-only" role="status" aria-live="polite">${reconnecting ? '' : this.announcement}</div>
        ${reconnecting ? html`<div class="banner" role="status">${msg('Connection lost. Reconnecting…')}</div>` : nothing}
        ${view === 'linking' ? this.renderLinking() : html`<titan-status-view .view=${view} exportparts="button"></titan-status-view>`}
      </div>
    `;
  }
}
