export * from './server.js';
export * from './phone.js';
export * from './certs.js';
export { Edge, PhoneError } from './edge.js';
export { MAX_COMPANIONS } from './registry.js';
export type { EdgeOptions, LinkedDevice } from './edge.js';
export type { EdgePersistence } from './persistence.js';
export type { EdgeInfo } from './http.js';
export { LoginWatch, type LoginStats } from './logins.js';
