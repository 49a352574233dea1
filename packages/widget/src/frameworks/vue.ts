// `<titan-connect-widget>` in Vue 3 templates (vue-tsc, Volar): props and `@titan-*` listeners
// typed through `GlobalComponents`. Vue must still be told the tag is a custom element
// (`compilerOptions.isCustomElement`); these are only its types. Ignored in apps without Vue.
import type {} from 'vue';
import type { TitanConnectWidgetProps, TitanVueEventProps } from './attributes.js';

declare module 'vue' {
  interface GlobalComponents {
    'titan-connect-widget': (props: TitanConnectWidgetProps & TitanVueEventProps) => any;
  }
}
