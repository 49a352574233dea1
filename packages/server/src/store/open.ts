// The one place that picks the store: Postgres when `TITAN_DATABASE_URL` is set, else the SQLite
// file. Everything else (main.ts, cli.ts, services) sees only `Store`.
import type { AppConfig } from '../config.types.js';
import { PostgresStore } from './postgres.js';
import { SqliteStore } from './sqlite.js';
import type { Store } from './types.js';

export async function openStore(config: Pick<AppConfig, 'dbPath' | 'databaseUrl'>): Promise<Store> {
  return config.databaseUrl ? PostgresStore.open(config.databaseUrl) : new SqliteStore(config.dbPath);
}
