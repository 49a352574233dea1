import { TitanStatusView } from './status-view.component.js';

export * from './status-view.component.js';

if (!customElements.get('titan-status-view')) customElements.define('titan-status-view', TitanStatusView);

declare global {
  interface HTMLElementTagNameMap {
    'titan-status-view': TitanStatusView;
  }
}
