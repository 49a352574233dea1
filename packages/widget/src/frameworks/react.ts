// `<titan-connect-widget>` in React 19's JSX, imported by the package's index so that
// `import '@titan-connect/widget'` is all a React app writes. React 19 reads `React.JSX`, not a
// global `JSX` namespace, hence the module augmentation. In an app without React the augmentation
// has nothing to merge into and TypeScript ignores it.
import type {} from 'react';
import type { TitanConnectWidget } from '../connect-widget/connect-widget.component.js';
import type { TitanConnectWidgetAttributes, TitanReactEventProps } from './attributes.js';

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements {
      'titan-connect-widget': React.DetailedHTMLProps<React.HTMLAttributes<TitanConnectWidget>, TitanConnectWidget> & TitanConnectWidgetAttributes & TitanReactEventProps;
    }
  }
}
