// The one place that picks the store: Postgres when `TITAN_DATABASE_URL` is set, else the SQLite
// file. Everything else (main.ts, cli.ts, services) sees only `Store`.
import type { AppConfig } from '../config.types.js';
import { PostgresStore } from './postgres.js';
import { SqliteStore } from './sqlite.js';
import type { Store } from './types.js';

/** The database named by the configuration could not be opened; the message is one line. */
export class StoreOpenError extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'StoreOpenError';
  }
}

export async function openStore(config: Pick<AppConfig, 'dbPath' | 'databaseUrl'>): Promise<Store> {
  if (!config.databaseUrl) return new SqliteStore(config.dbPath);
  try {
    return await PostgresStore.open(config.databaseUrl);
  } catch (error) {
    // node-postgres' messages name the host or the user, never the password; the URL is not echoed.
    const reason = String((error as Error).message ?? error).split('\n')[0];
    throw new StoreOpenError(`TITAN_DATABASE_URL: could not open the Postgres database (${reason})`, { cause: error });
  }
}
