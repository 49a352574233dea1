import { TitanPairingPanel } from './pairing-panel.component.js';

export * from './pairing-panel.component.js';

if (!customElements.get('titan-pairing-panel')) customElements.define('titan-pairing-panel', TitanPairingPanel);

declare global {
  interface HTMLElementTagNameMap {
    'titan-pairing-panel': TitanPairingPanel;
  }
}
