// What the Postgres store adds to sqlite-rows.ts (whose row mappers it shares: same column
// names; node-postgres returns BIGINT as a string, which the mappers' Number() reads).
import type pg from 'pg';
import type { Row } from './sqlite-rows.js';

/** The pool, or the client of a transaction. */
export type Queryable = Pick<pg.ClientBase, 'query'>;

/** Runs `work` on one client between BEGIN and COMMIT (PostgresStore's `transaction`). */
export type Transaction = <T>(work: (client: pg.PoolClient) => Promise<T>) => Promise<T>;

/** `sql` as `{ name, text }` is prepared once per connection under that name. */
export const rows = async (on: Queryable, sql: string | { name: string; text: string }, values: unknown[] = []): Promise<Row[]> =>
  (await on.query(typeof sql === 'string' ? { text: sql, values } : { ...sql, values })).rows as Row[];

/** How many rows a statement changed. */
export const changed = async (on: Queryable, sql: string, values: unknown[]): Promise<number> => (await on.query(sql, values)).rowCount ?? 0;

/**
 * `SET a = $3, b = $4` for a patch, with its values. Column names come only from the fixed
 * maps of sqlite-rows.ts (never from the patch's keys themselves), so the SQL text cannot be
 * injected; values are parameters. `first` is the number of the first placeholder.
 */
export function setClause<P extends object>(columns: Record<keyof P, string>, patch: P, first: number): { set: string; values: unknown[] } {
  const keys = (Object.keys(patch) as (keyof P)[]).filter((k) => Object.hasOwn(columns, k));
  return {
    set: keys.map((k, i) => `${columns[k]} = $${first + i}`).join(', '),
    values: keys.map((k) => patch[k]),
  };
}

/**
 * A `writeKeys` batch reduced to its effect: the last entry for a (type, id) wins, as if the
 * entries were applied in order. One multi-row INSERT may not touch a row twice, so duplicates
 * must go before the batch reaches it.
 */
export function lastWriteWins<E extends { type: string; id: string }>(entries: readonly E[]): E[] {
  const byKey = new Map<string, E>();
  for (const entry of entries) {
    const key = `${entry.type}\u0000${entry.id}`;
    byKey.delete(key);
    byKey.set(key, entry);
  }
  return [...byKey.values()];
}
