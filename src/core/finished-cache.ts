/**
 * Finished tasks never change, and clients poll them (a status page refreshed, an SDK's last
 * read), so the task service keeps the most recent ones in memory. Entries live a short time
 * so that retention's deletions show within a minute; the cache is bounded by insertion order.
 */
import type { Task } from './task.js';
import { BoundedMap } from './bounded-map.js';

export class FinishedTaskCache {
  private readonly entries: BoundedMap<string, { task: Task; until: number }>;

  constructor(max = 10_000, private readonly ttlMs = 60_000, private readonly now: () => number = Date.now) {
    this.entries = new BoundedMap(max);
  }

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
    this.entries.set(task.id, { task, until: this.now() + this.ttlMs });
  }

  forget(ids: Iterable<string>): void {
    for (const id of ids) this.entries.delete(id);
  }
}
