import { LitElement, css, html } from 'lit';
import { localized, msg, str } from '@lit/localize';
import { consumeWidgetContext, type WidgetContext } from '../context.js';
import type { WidgetView } from '../controllers/session-state.js';
import { errorText } from '../i18n/error-text.js';
import { formatPhone } from '../shared/format.js';
import { baseStyles } from '../shared/styles.js';

/**
 * The whole-widget states around the linking panels: loading, connected (with the number),
 * failed (with a retry when the server says one can work) and expired link.
 *
 * @summary Loading, success, failure and expiry screens.
 * @csspart button - The retry button.
 */
@localized()
export class TitanStatusView extends LitElement {
  // `static properties`, not `@state()`/`@property()`: decorator calls cost the page budget.
  static override properties = { view: { attribute: false }, retrying: { state: true } };

  static override styles = [
    baseStyles,
    css`
      :host {
        text-align: center;
        padding: 1rem 0;
      }
      .icon {
        width: 56px;
        height: 56px;
        margin: 0 auto 0.75rem;
        display: block;
      }
      .spinner {
        margin: 0.5rem auto 1rem;
      }
      .phone {
        font-size: 1.25rem;
        font-weight: 700;
        font-variant-numeric: tabular-nums;
      }
    `,
  ];

  /** Which screen to show. */
  view: Exclude<WidgetView, 'linking'> = 'loading';

  // A controller rather than `@consume`: the decorator's code would cost the page budget again.
  private readonly widgetContext = consumeWidgetContext(this);
  private get ctx(): WidgetContext | undefined {
    return this.widgetContext.value;
  }

  private retrying = false;

  private async retry(): Promise<void> {
    this.retrying = true;
    try {
      await this.ctx?.actions.restartQr();
    } catch {
      // Left on the failure screen; the button works again.
    } finally {
      this.retrying = false;
    }
  }

  private icon(ok: boolean) {
    return html`<svg class="icon" viewBox="0 0 56 56" aria-hidden="true">
      <circle cx="28" cy="28" r="28" fill=${ok ? 'var(--_primary)' : 'var(--_danger)'}></circle>
      <path
        d=${ok ? 'M17 29l7 7 15-16' : 'M20 20l16 16M36 20L20 36'}
        stroke="#fff"
        stroke-width="4.5"
        fill="none"
        stroke-linecap="round"
        stroke-linejoin="round"
      ></path>
    </svg>`;
  }

  protected override render() {
    const current = this.ctx?.state;
    switch (this.view) {
      case 'loading':
        return html`<div class="spinner"></div>
          <p class="muted">${msg('Loading…')}</p>`;
      case 'connected': {
        const connected = current?.connected;
        return html`${this.icon(true)}
          <h2>${msg('WhatsApp connected')}</h2>
          ${connected?.phone ? html`<p class="phone">${formatPhone(connected.phone)}</p>` : ''}
          ${connected?.pushName ? html`<p class="muted">${connected.pushName}</p>` : ''}
          ${connected?.wabaId ? html`<p class="muted">${msg(str`WhatsApp Business Account ${connected.wabaId}`)}</p>` : ''}
          <p class="muted">${msg('You can close this window.')}</p>`;
      }
      case 'failed': {
        const failure = current?.failure;
        return html`${this.icon(false)}
          <h2>${msg('Could not link WhatsApp')}</h2>
          <p>${failure ? errorText(failure.code) : ''}</p>
          ${failure?.retryable
            ? html`<div class="actions">
                <button part="button" ?disabled=${this.retrying} @click=${this.retry}>${msg('Try again')}</button>
              </div>`
            : html`<p class="muted">${msg('Ask the app for a new link to try again.')}</p>`}`;
      }
      case 'token-expired':
        return html`${this.icon(false)}
          <h2>${msg('Link expired')}</h2>
          <p>${msg('This link has expired; ask the app for a new one.')}</p>`;
    }
  }
}
