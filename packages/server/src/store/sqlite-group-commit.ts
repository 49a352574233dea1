// SqliteStore's group commit: the writes of one event-loop turn share one transaction.
import type Database from 'better-sqlite3';

interface Pending {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class SqliteGroupCommit {
  private pending: Pending[] = [];

  constructor(private readonly db: Database.Database) {}

  /**
   * Runs `work` in a transaction shared with every other call made in the same turn of the event
   * loop, and resolves once that transaction has committed, so a caller that answers after
   * awaiting still answers only with its rows in the file. Each `work` runs in its own savepoint:
   * one that throws rolls back alone and rejects alone. Why: a commit appends every page it
   * changed to the WAL (six 4 kB pages for a widget session), and concurrent requests change the
   * same pages; one commit for all of them writes those pages once.
   */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => this.flush());
      this.pending.push({ work, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      // Nested better-sqlite3 transactions are savepoints.
      const runOne = this.db.transaction((work: () => unknown) => work());
      this.db.transaction(() => {
        for (const { work } of batch) {
          try {
            outcomes.push({ ok: true, value: runOne(work) });
          } catch (error) {
            outcomes.push({ ok: false, value: error });
          }
        }
      })();
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, i) => (outcomes[i]!.ok ? item.resolve(outcomes[i]!.value) : item.reject(outcomes[i]!.value)));
  }
}
