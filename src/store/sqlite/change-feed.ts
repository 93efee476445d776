/**
 * Lets several processes share one SQLite file (e.g. `--role api` and `--role worker`): the
 * event log is read in seq order and what other processes wrote is reported, as PostgreSQL's
 * LISTEN/NOTIFY reports it. SQLite has one writer at a time and seq is assigned inside the
 * write, so seqs become visible in order and a reader that remembers the last one misses none.
 */
import type { Database } from 'better-sqlite3';
import type { RemoteChange, RemoteChanges } from '../store.js';

const POLL_MS = 50;
const PAGE = 5000;

export class SqliteChangeFeed {
  /** seqs this process wrote and has not yet seen come back: they are not news to it */
  private readonly own = new Set<number>();
  private lastSeq = 0;
  private listeners = new Set<(c: RemoteChanges) => void>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly db: Database) {}

  get active(): boolean {
    return this.listeners.size > 0;
  }

  noteOwn(seq: number): void {
    if (this.active) this.own.add(seq);
  }

  subscribe(fn: (c: RemoteChanges) => void): () => void {
    if (this.listeners.size === 0) {
      this.lastSeq = (this.db.prepare('SELECT coalesce(max(seq), 0) AS s FROM task_events').get() as { s: number }).s;
      this.timer = setInterval(() => this.poll(), POLL_MS);
      this.timer.unref();
    }
    this.listeners.add(fn);
    return () => {
      this.listeners.delete(fn);
      if (this.listeners.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
        this.own.clear();
      }
    };
  }

  private poll(): void {
    if (!this.db.open) return;
    const rows = this.db
      .prepare('SELECT seq, task_id, type, status FROM task_events WHERE seq > ? ORDER BY seq LIMIT ?')
      .all(this.lastSeq, PAGE) as Array<{ seq: number; task_id: string; type: string; status: RemoteChange['status'] }>;
    if (rows.length === 0) return;
    const changes: RemoteChange[] = [];
    for (const r of rows) {
      this.lastSeq = r.seq;
      if (!this.own.delete(r.seq)) changes.push({ id: r.task_id, status: r.status, type: r.type });
    }
    // seqs of our writes that rolled back never appear; forget them once passed
    for (const s of this.own) if (s <= this.lastSeq) this.own.delete(s);
    if (changes.length === 0) return;
    const wake = changes.some((c) => c.status === 'queued');
    for (const fn of this.listeners) fn({ wake, changes });
  }
}
