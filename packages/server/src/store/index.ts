export { openStore, StoreOpenError } from './open.js';
export { PostgresStore } from './postgres.js';
export { SqliteStore } from './sqlite.js';
export type * from './types.js';
