// What the Postgres store adds to sqlite-rows.ts (whose row mappers it shares: same column
// names; node-postgres returns BIGINT as a string, which the mappers' Number() reads).

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
