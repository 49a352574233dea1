import { TitanConnectWidget } from './connect-widget.component.js';

export * from './connect-widget.component.js';

// Guarded so the element bundle and the hosted page can both be on one page without a throw.
if (!customElements.get('titan-connect-widget')) customElements.define('titan-connect-widget', TitanConnectWidget);

declare global {
  interface HTMLElementTagNameMap {
    'titan-connect-widget': TitanConnectWidget;
  }
}
