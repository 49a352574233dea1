// A throwaway Postgres database per test: created through the server of
// `TITAN_TEST_POSTGRES_URL` (its own database is only used to create and drop others), dropped
// at the end, because CI runs against the server as the last session left it.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const TEST_POSTGRES_URL = process.env.TITAN_TEST_POSTGRES_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  /** URL of the new, empty database. */
  url: string;
  name: string;
  drop(): Promise<void>;
}

const withAdmin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
};

/**
 * Null when Postgres answers; otherwise the reason to skip, naming the variable to set.
 * Checked once per test file, before any test is declared.
 */
export async function postgresUnavailable(): Promise<string | null> {
  try {
    await withAdmin((client) => client.query('SELECT 1'));
    return null;
  } catch (error) {
    return `Postgres unreachable at TITAN_TEST_POSTGRES_URL=${TEST_POSTGRES_URL} (${(error as Error).message}); start it or set TITAN_TEST_POSTGRES_URL`;
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  // Lower-case letters and digits only: safe to splice into CREATE DATABASE (no parameters there).
  const name = `titan_test_${randomBytes(6).toString('hex')}`;
  await withAdmin((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    name,
    // FORCE: a test that failed half-way may have left a connection open.
    drop: () => withAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}
