export { SqliteStore, type Store } from './sqlite.js';
export type * from './types.js';
