/**
 * Group commit for better-sqlite3. Each write is a synchronous function; writes that arrive
 * within one turn of the event loop run together in one transaction, each inside its own
 * savepoint (so one failing write rolls back alone).
 *
 * Durability without stalling the server: SQLite runs with synchronous=NORMAL, so COMMIT
 * appends to the WAL without an fsync, and this class fsyncs the WAL file itself in Node's
 * thread pool. A durable write resolves only after an fsync that began after its commit, so a
 * task id is never returned before the row is on disk — but while one fsync is in flight the
 * event loop keeps serving requests and committing the next batch, which then shares the next
 * fsync. (With synchronous=FULL the fsync ran inside COMMIT and froze the whole process.)
 * Checkpoints under NORMAL fsync the WAL before copying it, so nothing durable is lost there.
 */
import fs from 'node:fs';
import type { Database, Transaction } from 'better-sqlite3';

interface Pending {
  run: () => unknown;
  durable: boolean;
  savepoint: boolean;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

interface Settle {
  resolve: () => void;
  reject: (e: unknown) => void;
}

export interface WriteOptions {
  /**
   * false: resolve once committed, before the fsync. For writes whose loss in a crash is
   * harmless because the state they replace is safe to resume from (a lease renewal: the
   * lease simply ends sooner).
   */
  durable?: boolean;
  /**
   * false: the write is one SQL statement, which SQLite already undoes whole when it fails, so
   * the savepoint around it (about 9 µs) is skipped.
   */
  savepoint?: boolean;
}

export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  private awaitingSync: Settle[] = [];
  private syncing = false;
  private wal: { fd: number; ino: number } | null = null;
  private readonly runBatch: Transaction<(batch: Pending[]) => Array<{ ok: true; value: unknown } | { ok: false; error: unknown }>>;

  /** `walPath` null (an in-memory database) means there is nothing to fsync */
  constructor(db: Database, private readonly walPath: string | null, private readonly maxBatch = 5000) {
    const each = db.transaction((fn: () => unknown) => fn());
    this.runBatch = db.transaction((batch: Pending[]) =>
      batch.map((p) => {
        try {
          // nested better-sqlite3 transactions become savepoints
          return { ok: true as const, value: p.savepoint ? each(p.run) : p.run() };
        } catch (error) {
          return { ok: false as const, error };
        }
      }),
    );
  }

  write<T>(run: () => T, opts: WriteOptions = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, durable: opts.durable !== false, savepoint: opts.savepoint !== false, resolve: resolve as (v: unknown) => void, reject });
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
        // IMMEDIATE: take the write lock first, waiting (busy_timeout) for another process that
        // holds it (a CLI, a second genq role). A deferred transaction that read and then wrote
        // after such a process committed would fail at once with SQLITE_BUSY, a 500 for the client
        outcomes = this.runBatch.immediate(batch);
      } catch (error) {
        // the commit itself failed (disk full, I/O error): nothing in the batch happened
        for (const p of batch) p.reject(error);
        continue;
      }
      outcomes.forEach((o, i) => {
        const p = batch[i]!;
        if (!o.ok) p.reject(o.error);
        else if (!p.durable) p.resolve(o.value);
        else this.awaitingSync.push({ resolve: () => p.resolve(o.value), reject: p.reject });
      });
    }
    this.sync();
  }

  /** one fsync at a time; everything committed while it runs waits for the next one */
  private sync(): void {
    if (this.syncing || this.awaitingSync.length === 0) return;
    const waiting = this.awaitingSync.splice(0);
    let fd: number | null;
    try {
      fd = this.walFd();
    } catch (error) {
      for (const w of waiting) w.reject(error);
      return;
    }
    if (fd === null) {
      for (const w of waiting) w.resolve();
      return;
    }
    this.syncing = true;
    fs.fdatasync(fd, (err) => {
      this.syncing = false;
      for (const w of waiting) (err ? w.reject(err) : w.resolve());
      this.sync();
    });
  }

  /** the WAL file appears with the first write; if SQLite ever recreates it, follow the new one */
  private walFd(): number | null {
    if (this.walPath === null) return null;
    const ino = fs.statSync(this.walPath).ino;
    if (this.wal && this.wal.ino === ino) return this.wal.fd;
    if (this.wal) fs.closeSync(this.wal.fd);
    this.wal = { fd: fs.openSync(this.walPath, 'r'), ino };
    return this.wal.fd;
  }

  get pending(): number {
    return this.queue.length + this.awaitingSync.length + (this.syncing ? 1 : 0);
  }

  close(): void {
    if (this.wal) fs.closeSync(this.wal.fd);
    this.wal = null;
  }
}
