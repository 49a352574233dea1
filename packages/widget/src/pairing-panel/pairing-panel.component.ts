import { LitElement, html, nothing } from 'lit';
import { localized, msg, str } from '@lit/localize';
import { formatPairingCode } from '@titan-connect/protocol';
import { WidgetApiError } from '../api/widget-api.js';
import { consumeWidgetContext, type WidgetContext } from '../context.js';
import { CountdownController } from '../controllers/countdown-controller.js';
import { checkPhoneNumber, regionName, regionOf, type PhoneProblem } from '../phone/phone-number.js';
import { errorText } from '../i18n/error-text.js';
import { formatPhone } from '../shared/format.js';
import { baseStyles } from '../shared/styles.js';
import { styles } from './pairing-panel.styles.js';

/**
 * The phone-number method: the number (international, checked inline), then the 8-character
 * pairing code to type on the phone, with copy, expiry and instructions. A 429 says when to retry.
 *
 * @summary Pairing-code linking.
 * @csspart code - The pairing code.
 * @csspart button - Every button.
 */
@localized()
export class TitanPairingPanel extends LitElement {
  // `static properties`, not `@state()`/`@property()`: decorator calls cost the page budget.
  static override properties = {
    phone: { state: true },
    touched: { state: true },
    serverError: { state: true },
    busy: { state: true },
    retryAt: { state: true },
    copied: { state: true },
    editing: { state: true },
  };

  static override styles = [baseStyles, styles];

  // A controller rather than `@consume`: the decorator's code would cost the page budget again.
  private readonly widgetContext = consumeWidgetContext(this);
  private get ctx(): WidgetContext | undefined {
    return this.widgetContext.value;
  }

  private phone = '';
  /** Inline errors show after the first submit or blur, not while the user is still typing. */
  private touched = false;
  private serverError = '';
  private busy = false;
  private retryAt: string | null = null;
  private copied = false;
  /** "Use a different number": show the form even though a code exists. */
  private editing = false;

  private readonly codeExpiry = new CountdownController(this, () => this.ctx?.state?.pairingCode?.expiresAt);
  private readonly retryWait = new CountdownController(this, () => this.retryAt);

  private problemText(problem: PhoneProblem): string {
    return {
      required: msg('Enter your WhatsApp phone number.'),
      characters: msg('Use only digits, spaces, dashes and a leading +.'),
      'country-code': msg('Start with your country code, e.g. +55.'),
      'too-short': msg('This number is too short: with the country code it has 8 to 15 digits.'),
      'too-long': msg('This number is too long: with the country code it has 8 to 15 digits.'),
    }[problem];
  }

  private async submit(event: Event): Promise<void> {
    event.preventDefault();
    this.touched = true;
    const check = checkPhoneNumber(this.phone);
    if (!check.ok || this.busy || (this.retryWait.seconds ?? 0) > 0) return;
    this.busy = true;
    this.serverError = '';
    try {
      await this.ctx?.actions.requestPairingCode(check.digits);
      this.editing = false;
    } catch (error) {
      if (error instanceof WidgetApiError && error.status === 429) {
        this.retryAt = new Date(Date.now() + (error.retryAfter ?? 60) * 1000).toISOString();
      } else if (error instanceof WidgetApiError && error.code === 'VALIDATION_FAILED') {
        // The server checks the number against each country's plan; its message names the field.
        this.serverError = msg('WhatsApp cannot use this number. Check the country code and the digits.');
      } else if (error instanceof WidgetApiError && error.status !== 0 && !error.tokenRejected) {
        this.serverError = errorText(error.code);
      } else if (!(error instanceof WidgetApiError && error.tokenRejected)) {
        this.serverError = msg('Could not request a code. Check your connection and try again.');
      }
    } finally {
      this.busy = false;
    }
  }

  private async copy(code: string): Promise<void> {
    try {
      await navigator.clipboard.writeText(code);
      this.copied = true;
      setTimeout(() => (this.copied = false), 2500);
    } catch {
      // Clipboard refused (no permission, insecure context): the code stays visible to type.
    }
  }

  private renderForm() {
    const check = checkPhoneNumber(this.phone);
    const problem = this.touched && !check.ok ? this.problemText(check.problem) : '';
    const error = problem || this.serverError;
    const region = regionOf(this.phone);
    const wait = this.retryWait.seconds ?? 0;
    return html`
      <h2>${msg('Link with your phone number')}</h2>
      <form novalidate @submit=${this.submit}>
        <label for="phone">${msg('Your WhatsApp phone number')}</label>
        <input
          id="phone"
          type="tel"
          inputmode="tel"
          autocomplete="tel"
          placeholder="+55 11 91234-5678"
          .value=${this.phone}
          aria-invalid=${error ? 'true' : 'false'}
          aria-describedby="hint error"
          @input=${(e: InputEvent) => ((this.phone = (e.target as HTMLInputElement).value), (this.serverError = ''))}
          @blur=${() => (this.touched ||= this.phone !== '')}
        />
        <p id="hint" class="hint muted">
          ${region ? html`<strong>${regionName(region, this.ctx?.locale ?? 'en')}</strong> · ` : nothing}${msg(
            'Include the country code.',
          )}
        </p>
        <p id="error" class="error" role="alert" ?hidden=${!error}>${error}</p>
        <p class="error" role="alert" ?hidden=${wait === 0}>
          ${msg(str`Too many attempts. Try again in ${wait} s.`)}
        </p>
        <button part="button" type="submit" ?disabled=${this.busy || wait > 0}>
          ${this.busy ? msg('Requesting a code…') : msg('Get pairing code')}
        </button>
      </form>
    `;
  }

  private renderCode(code: string, phoneNumber: string) {
    const seconds = this.codeExpiry.seconds ?? 0;
    const shown = formatPairingCode(code);
    return html`
      <h2>${msg('Enter this code on your phone')}</h2>
      <p class="code" part="code" aria-label=${msg(str`Pairing code ${shown.split('').join(' ')}`)}>${shown}</p>
      <div class="actions">
        <button part="button" @click=${() => this.copy(shown)} ?disabled=${seconds === 0}>
          ${this.copied ? msg('Copied') : msg('Copy code')}
        </button>
      </div>
      <p class="muted center countdown">
        ${seconds > 0 ? msg(str`The code expires in ${seconds} s.`) : msg('This code expired. Request a new one.')}
      </p>
      <ol>
        <li>${msg(str`Open WhatsApp on the phone with ${formatPhone(phoneNumber)}.`)}</li>
        <li>${msg('Go to Settings → Linked devices → Link a device.')}</li>
        <li>${msg('Tap “Link with phone number instead” and enter the code.')}</li>
      </ol>
      <div class="actions">
        <button part="button" class="secondary" @click=${() => ((this.editing = true), (this.phone ||= `+${phoneNumber}`))}>
          ${seconds > 0 ? msg('Use a different number') : msg('Get a new code')}
        </button>
      </div>
    `;
  }

  protected override render() {
    const pairingCode = this.ctx?.state?.pairingCode;
    return pairingCode && !this.editing ? this.renderCode(pairingCode.code, pairingCode.phoneNumber) : this.renderForm();
  }
}
