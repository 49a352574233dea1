export * from './errors.js';
export type * from './deps.js';
export type * from './config.types.js';
export { SqliteStore, type Store } from './store/index.js';
