// `<titan-connect-widget>` in React 19's JSX, imported by the package's index so that
// `import '@titan-connect/widget'` is all a React app writes. React 19 reads `React.JSX`, not a
// global `JSX` namespace, hence the module augmentation. It names no React type, so an app
// without React compiles it too (the augmentation then merges into nothing).
import type {} from 'react';
import type { TitanConnectWidgetReactProps } from './attributes.js';

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements {
      'titan-connect-widget': TitanConnectWidgetReactProps;
    }
  }
}
