import { LitElement, html } from 'lit';
import { localized, msg, str } from '@lit/localize';
import { consumeWidgetContext, type WidgetContext } from '../context.js';
import { CountdownController } from '../controllers/countdown-controller.js';
import { baseStyles } from '../shared/styles.js';
import { styles } from './qr-panel.styles.js';

/**
 * The QR method: instructions, the QR (an SVG path drawn by the server: crisp at any pixel ratio
 * and no QR library in the bundle), a countdown to its rotation, and the `QR_TIMEOUT` dead end
 * with a way out.
 *
 * @summary Scan-a-QR-code linking.
 * @csspart qr - The QR code figure.
 * @csspart button - The expired state's buttons.
 */
@localized()
export class TitanQrPanel extends LitElement {
  // `static properties`, not `@state()`/`@property()`: decorator calls cost the page budget.
  static override properties = { restarting: { state: true } };

  static override styles = [baseStyles, styles];

  // A controller rather than `@consume`: the decorator's code would cost the page budget again.
  private readonly widgetContext = consumeWidgetContext(this);
  private get ctx(): WidgetContext | undefined {
    return this.widgetContext.value;
  }

  private restarting = false;

  private readonly countdown = new CountdownController(this, () => this.ctx?.state?.qr?.expiresAt);

  private async restart(): Promise<void> {
    this.restarting = true;
    try {
      await this.ctx?.actions.restartQr();
    } catch {
      // The token case is handled by the root; otherwise the button stays for another try.
    } finally {
      this.restarting = false;
    }
  }

  /** The last QR of a cycle does not rotate: it expires, and the user should hear so. */
  private countdownText(seconds: number, last: boolean): string {
    if (seconds === 0) return last ? msg('The code expired.') : msg('Refreshing the code…');
    return last ? msg(str`The code expires in ${seconds} s.`) : msg(str`The code refreshes in ${seconds} s.`);
  }

  private renderExpired() {
    const offersPairing = this.ctx?.state?.mode === 'all' && this.ctx.state.methods.includes('pairing');
    return html`
      <div class="center">
        <h2>${msg('The QR code expired')}</h2>
        <p class="muted">${msg('No phone scanned it in time. You can get a new one.')}</p>
        <div class="actions">
          <button part="button" ?disabled=${this.restarting} @click=${this.restart}>${msg('Generate a new QR code')}</button>
          ${offersPairing
            ? html`<button part="button" class="secondary" @click=${() => this.ctx?.actions.selectMethod('pairing')}>
                ${msg('Link with phone number instead')}
              </button>`
            : ''}
        </div>
      </div>
    `;
  }

  protected override render() {
    const current = this.ctx?.state;
    if (current?.expired?.reason === 'QR_TIMEOUT' || (current?.statusReason === 'QR_TIMEOUT' && !current.qr)) return this.renderExpired();
    const qr = current?.qr;
    const seconds = this.countdown.seconds;
    const size = (qr?.modules ?? 0) + 8;
    return html`
      <h2>${msg('Scan the QR code')}</h2>
      <ol>
        <li>${msg('Open WhatsApp on your phone.')}</li>
        <li>${msg('Go to Settings → Linked devices → Link a device.')}</li>
        <li>${msg('Point your phone at this screen to scan the code.')}</li>
      </ol>
      <figure part="qr">
        ${qr
          ? html`<svg
              viewBox="-4 -4 ${size} ${size}"
              role="img"
              aria-label=${msg('QR code to scan with WhatsApp on your phone')}
              shape-rendering="crispEdges"
            >
              <path d=${qr.svgPath} fill="#000"></path>
            </svg>`
          : html`<div class="spinner placeholder" role="img" aria-label=${msg('Generating the QR code…')}></div>`}
      </figure>
      <p class="muted center countdown">
        ${qr && seconds !== null ? this.countdownText(seconds, qr.attempt >= qr.maxAttempts) : msg('Generating the QR code…')}
      </p>
    `;
  }
}
