// Entry of the hosted page (`/widget/assets/page.js`): defines the element and bridges the page
// to the app that frames it. The server's HTML already holds `<titan-connect-widget>`.
import './connect-widget/connect-widget.js';
import { bridgePage } from './page/page-bridge.js';

const widget = document.querySelector('titan-connect-widget');
if (widget) bridgePage(widget);
