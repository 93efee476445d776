/**
 * Finished tasks never change, and clients poll them (a status page refreshed, an SDK's last
 * read), so the task service keeps the most recent ones in memory. Entries live a short time
 * so that retention's deletions show within a minute; the cache is bounded by insertion order.
 */
import type { Task } from './task.js';

export class FinishedTaskCache {
  private readonly entries = new Map<string, { task: Task; until: number }>();

  constructor(private readonly max = 10_000, private readonly ttlMs = 60_000, private readonly now: () => number = Date.now) {}

  get(id: string): Task | undefined {
    const e = this.entries.get(id);
    if (!e) return undefined;
    if (e.until < this.now()) {
      this.entries.delete(id);
      return undefined;
    }
    return e.task;
  }

  put(task: Task): void {
    if (this.entries.size >= this.max) {
      // Maps iterate in insertion order: drop the oldest tenth at once rather than one per put
      let drop = Math.ceil(this.max / 10);
      for (const k of this.entries.keys()) {
        this.entries.delete(k);
        if (--drop === 0) break;
      }
    }
    this.entries.set(task.id, { task, until: this.now() + this.ttlMs });
  }

  forget(ids: Iterable<string>): void {
    for (const id of ids) this.entries.delete(id);
  }
}
