export { SqliteStore } from './sqlite.js';
export type * from './types.js';
