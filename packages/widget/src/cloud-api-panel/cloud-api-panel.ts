import { TitanCloudApiPanel } from './cloud-api-panel.component.js';

export * from './cloud-api-panel.component.js';

if (!customElements.get('titan-cloud-api-panel')) customElements.define('titan-cloud-api-panel', TitanCloudApiPanel);

declare global {
  interface HTMLElementTagNameMap {
    'titan-cloud-api-panel': TitanCloudApiPanel;
  }
}
