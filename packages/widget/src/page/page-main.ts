// The hosted page proper (`/widget/assets/page-<locale>.js`, loaded by `page.ts`): defines the
// element and bridges the page to the app that frames it. The server's HTML already holds
// `<titan-connect-widget>`.
import '../connect-widget/connect-widget.js';
import { bridgePage } from './page-bridge.js';

const widget = document.querySelector('titan-connect-widget');
if (widget) bridgePage(widget);
