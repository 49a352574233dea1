import { TitanQrPanel } from './qr-panel.component.js';

export * from './qr-panel.component.js';

if (!customElements.get('titan-qr-panel')) customElements.define('titan-qr-panel', TitanQrPanel);

declare global {
  interface HTMLElementTagNameMap {
    'titan-qr-panel': TitanQrPanel;
  }
}
