/**
 * Group commit for better-sqlite3. Each write is a synchronous function; writes that arrive
 * within one turn of the event loop run together in one transaction, each inside its own
 * savepoint (so one failing write rolls back alone), and share a single WAL fsync. This is
 * how durability (synchronous=FULL) and throughput coexist: the cost of the fsync is paid
 * once per batch, not once per task.
 */
import type { Database } from 'better-sqlite3';

interface Pending {
  run: () => unknown;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  private readonly runBatch: (batch: Pending[]) => Array<{ ok: true; value: unknown } | { ok: false; error: unknown }>;

  constructor(private readonly db: Database, private readonly maxBatch = 5000) {
    const each = db.transaction((fn: () => unknown) => fn());
    this.runBatch = db.transaction((batch: Pending[]) =>
      batch.map((p) => {
        try {
          // nested better-sqlite3 transactions become savepoints
          return { ok: true as const, value: each(p.run) };
        } catch (error) {
          return { ok: false as const, error };
        }
      }),
    );
  }

  write<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      let outcomes: ReturnType<typeof this.runBatch>;
      try {
        outcomes = this.runBatch(batch);
      } catch (error) {
        // the commit itself failed (disk full, I/O error): nothing in the batch is durable
        for (const p of batch) p.reject(error);
        continue;
      }
      outcomes.forEach((o, i) => {
        const p = batch[i]!;
        if (o.ok) p.resolve(o.value);
        else p.reject(o.error);
      });
    }
  }

  get pending(): number {
    return this.queue.length;
  }
}
