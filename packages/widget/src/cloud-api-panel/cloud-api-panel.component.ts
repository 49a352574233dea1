import { LitElement, html } from 'lit';
import { state } from 'lit/decorators.js';
import { consume } from '@lit/context';
import { localized, msg } from '@lit/localize';
import { widgetContext, type WidgetContext } from '../context.js';
import { baseStyles } from '../shared/styles.js';

/**
 * The Cloud API method (Meta Embedded Signup). A placeholder until the Cloud API issue builds the
 * Facebook login here; it already reads the session from the shared context.
 *
 * @summary Cloud API (Meta Embedded Signup) linking.
 * @csspart button - The "Continue with Facebook" button.
 */
@localized()
export class TitanCloudApiPanel extends LitElement {
  static override styles = [baseStyles];

  @consume({ context: widgetContext, subscribe: true }) @state() private ctx?: WidgetContext;

  protected override render() {
    return html`
      <h2>${msg('Connect the WhatsApp Business Platform')}</h2>
      <p>${msg('Use your Facebook account to connect a WhatsApp Business number through the Cloud API.')}</p>
      <div class="actions">
        <button part="button" disabled aria-describedby="note">${msg('Continue with Facebook')}</button>
      </div>
      <p id="note" class="muted center">
        ${this.ctx?.state?.meta ? msg('Cloud API linking is coming soon to this widget.') : msg('Cloud API is not configured.')}
      </p>
    `;
  }
}
