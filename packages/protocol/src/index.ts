export * from './modes.js';
export * from './session.js';
export * from './errors.js';
export * from './token.js';
export * from './events.js';
export * from './messages.js';
export * from './dom-events.js';
export * from './api.js';
