export * from './connect-widget/connect-widget.js';
export * from './events/titan-events.js';
