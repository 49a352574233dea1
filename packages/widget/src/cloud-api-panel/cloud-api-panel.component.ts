import { LitElement, html, nothing } from 'lit';
import { localized, msg, str } from '@lit/localize';
import type { ConnectedPayload, MetaPublicConfig } from '@titan-connect/protocol';
import { WidgetApiError } from '../api/widget-api.js';
import { consumeWidgetContext, type WidgetContext } from '../context.js';
import { errorText } from '../i18n/error-text.js';
import { formatPhone } from '../shared/format.js';
import { baseStyles } from '../shared/styles.js';
import { SignupAttempt, isTrustedOrigin, loginOptions, parseSignupMessage, type SignupOutcome } from './embedded-signup.js';
import { loadFacebookSdk, type FacebookSdk } from './fb-sdk.js';
import { styles } from './cloud-api-panel.styles.js';

/** Where the panel is. `waiting`: Meta's popup is open; `finishing`: the server is exchanging the code. */
export type CloudApiPhase = 'idle' | 'loading' | 'load-failed' | 'ready' | 'waiting' | 'finishing' | 'connected' | 'failed';

/** Why the last attempt failed; rendered at render time so a language switch retranslates it. */
type Failure =
  | { reason: 'cancelled'; step: string | null; message: string | null }
  | { reason: 'error'; message: string | null }
  /** The code came but Meta never posted the session info (usually: domain not allowed in the app). */
  | { reason: 'no-session-info' }
  /** The server could not finish (its error code; null for the network). */
  | { reason: 'finish-failed'; code: string | null };

/**
 * The Cloud API method (Meta Embedded Signup). Loads Meta's FB JS SDK when first shown, opens
 * Meta's signup popup from the "Continue with Facebook" click, joins the login code with the
 * `WA_EMBEDDED_SIGNUP` session info (in either order) and posts both to the server once. The
 * widget's connected screen, DOM events and redirect then follow from the server's `connected`.
 * Without a Meta app on the session it says so instead of showing a dead button.
 *
 * @summary Cloud API (Meta Embedded Signup) linking.
 * @csspart button - The "Continue with Facebook" / "Try again" button.
 */
@localized()
export class TitanCloudApiPanel extends LitElement {
  // `static properties`, not `@state()`/`@property()`: decorator calls cost the page budget.
  static override properties = { phase: { state: true }, failure: { state: true }, connected: { state: true } };

  static override styles = [baseStyles, styles];

  /**
   * How long to wait for the session info once the code is here. Meta's code lives 30 s and the
   * server still has to exchange it, so waiting longer than this only turns a clear error into a late one.
   */
  static finishWaitMs = 15_000;

  // A controller rather than `@consume`: the decorator's code would cost the page budget again.
  private readonly widgetContext = consumeWidgetContext(this);
  private get ctx(): WidgetContext | undefined {
    return this.widgetContext.value;
  }

  /** Where the signup stands (for tests and the gallery; the UI follows it). */
  phase: CloudApiPhase = 'idle';
  private failure: Failure | null = null;
  private connected: ConnectedPayload | null = null;

  private sdk: FacebookSdk | null = null;
  private attempt: SignupAttempt | null = null;
  private finishTimer: ReturnType<typeof setTimeout> | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('message', this.onMessage);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('message', this.onMessage);
    clearTimeout(this.finishTimer);
    this.attempt = null;
  }

  protected override willUpdate(): void {
    // First shown with a Meta app: fetch the SDK now, so it is ready by the time the user clicks.
    const meta = this.ctx?.state?.meta;
    if (meta && this.phase === 'idle') void this.load(meta);
  }

  private async load(meta: MetaPublicConfig): Promise<void> {
    this.phase = 'loading';
    try {
      const sdk = await loadFacebookSdk(meta.sdkUrl);
      sdk.init({ appId: meta.appId, version: meta.graphVersion, xfbml: false, cookie: false });
      this.sdk = sdk;
      this.phase = 'ready';
    } catch {
      this.phase = 'load-failed';
    }
  }

  /**
   * Opens Meta's popup. Runs synchronously inside the click: browsers only allow a popup during
   * the user gesture, which is why the SDK is loaded before the button is enabled.
   */
  private start(): void {
    const meta = this.ctx?.state?.meta;
    if (!meta || !this.sdk) return;
    clearTimeout(this.finishTimer);
    const attempt = (this.attempt = new SignupAttempt());
    this.failure = null;
    this.phase = 'waiting';
    try {
      this.sdk.login((response) => this.settle(attempt, attempt.login(response)), loginOptions(meta));
    } catch (error) {
      this.fail({ reason: 'error', message: error instanceof Error ? error.message : null });
    }
  }

  private readonly onMessage = (event: MessageEvent): void => {
    const meta = this.ctx?.state?.meta;
    const attempt = this.attempt;
    if (!attempt || !meta || !isTrustedOrigin(event.origin, meta.sdkUrl)) return;
    const message = parseSignupMessage(event.data);
    if (message) this.settle(attempt, attempt.message(message));
  };

  private settle(attempt: SignupAttempt, outcome: SignupOutcome | null): void {
    // Late news from an attempt the user already replaced, or nothing new: ignore.
    if (!outcome || attempt !== this.attempt) return;
    switch (outcome.kind) {
      case 'pending':
        if (outcome.waitingFor === 'finish') {
          this.finishTimer = setTimeout(() => this.attempt === attempt && this.fail({ reason: 'no-session-info' }), TitanCloudApiPanel.finishWaitMs);
        }
        return;
      case 'finish':
        clearTimeout(this.finishTimer);
        void this.finish(outcome.request);
        return;
      case 'cancelled':
        this.fail({ reason: 'cancelled', step: outcome.step, message: outcome.errorMessage });
        return;
      case 'error':
        this.fail({ reason: 'error', message: outcome.errorMessage });
    }
  }

  private async finish(request: Parameters<WidgetContext['actions']['finishCloudApi']>[0]): Promise<void> {
    this.phase = 'finishing';
    try {
      this.connected = (await this.ctx?.actions.finishCloudApi(request)) ?? null;
      this.phase = 'connected';
    } catch (error) {
      // A refused token is the root's to show (the expired-link screen).
      if (error instanceof WidgetApiError && error.tokenRejected) return;
      const code = error instanceof WidgetApiError && error.status !== 0 ? error.code : null;
      this.fail({ reason: 'finish-failed', code });
    }
  }

  private fail(failure: Failure): void {
    clearTimeout(this.finishTimer);
    this.failure = failure;
    this.phase = 'failed';
  }

  private onClick(): void {
    const meta = this.ctx?.state?.meta;
    if (this.phase === 'load-failed' && meta) void this.load(meta);
    else this.start();
  }

  private renderFailure(failure: Failure) {
    const [title, detail]: [string, string | null] =
      failure.reason === 'cancelled'
        ? [
            msg('Facebook signup was cancelled.'),
            failure.message ?? (failure.step ? msg(str`You left at the step ${failure.step}.`) : msg('The Facebook window was closed before the end.')),
          ]
        : failure.reason === 'error'
          ? [msg('Facebook reported an error.'), failure.message]
          : failure.reason === 'no-session-info'
            ? [
                msg('Facebook did not send the WhatsApp account details.'),
                msg('If this keeps happening, this domain may be missing from the Meta app’s allowed domains.'),
              ]
            : [msg('Could not finish connecting the number.'), failure.code ? errorText(failure.code) : msg('Check your connection and try again.')];
    return html`<div class="problem" role="alert">
      <p><strong>${title}</strong></p>
      ${detail ? html`<p>${detail}</p>` : nothing}
    </div>`;
  }

  private renderUnconfigured() {
    return html`
      <h2>${msg('Cloud API is not configured')}</h2>
      <div class="problem" role="alert">
        <p>${msg('This link has no Meta app, so it cannot connect a number through the Cloud API.')}</p>
        <p class="muted">
          ${msg('For the app’s team: set META_APP_ID and META_CONFIG_ID on the server, or create the widget session with metaApp.')}
        </p>
      </div>
    `;
  }

  private renderConnected(connected: ConnectedPayload | null) {
    const phone = formatPhone(connected?.phone) || connected?.phoneNumberId;
    return html`
      <h2>${msg('WhatsApp Business number connected')}</h2>
      <dl>
        ${connected?.wabaId ? html`<dt>${msg('WhatsApp Business Account')}</dt><dd>${connected.wabaId}</dd>` : nothing}
        ${phone ? html`<dt>${msg('Phone number')}</dt><dd>${phone}</dd>` : nothing}
      </dl>
    `;
  }

  protected override render() {
    if (!this.ctx?.state?.meta) return this.renderUnconfigured();
    const phase = this.phase;
    if (phase === 'connected') return this.renderConnected(this.connected);
    const busy = phase === 'idle' || phase === 'loading' || phase === 'finishing';
    const statuses: Partial<Record<CloudApiPhase, string>> = {
      idle: msg('Loading Facebook…'),
      loading: msg('Loading Facebook…'),
      waiting: msg('Finish the steps in the Facebook window.'),
      finishing: msg('Connecting your WhatsApp Business number…'),
    };
    const status = statuses[phase];
    return html`
      <h2>${msg('Connect the WhatsApp Business Platform')}</h2>
      <p>${msg('Use your Facebook account to connect a WhatsApp Business number through the Cloud API.')}</p>
      ${busy ? html`<div class="spinner" aria-hidden="true"></div>` : nothing}
      <p id="status" class="muted center" role="status">${status ?? ''}</p>
      ${phase === 'load-failed'
        ? html`<div class="problem" role="alert">
            <p><strong>${msg('Could not load Facebook.')}</strong></p>
            <p>${msg('Check your connection, or whether a browser extension blocks Facebook, and try again.')}</p>
          </div>`
        : nothing}
      ${phase === 'failed' && this.failure ? this.renderFailure(this.failure) : nothing}
      <div class="actions">
        <button part="button" ?disabled=${busy} aria-describedby="status" @click=${this.onClick}>
          ${phase === 'failed' || phase === 'load-failed' ? msg('Try again') : msg('Continue with Facebook')}
        </button>
      </div>
    `;
  }
}
