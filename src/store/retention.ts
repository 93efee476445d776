/**
 * Retention: finished tasks (and their files) are deleted once they have been finished for
 * GENQ_RETENTION_S. It works in small batches — a few hundred tasks, one short statement each —
 * so it never holds a long lock or a long transaction, and any number of worker processes may
 * run it at once (each delete is idempotent). Files go first: a crash between the two steps
 * leaves a task whose files are gone (it was due for deletion anyway), never orphaned files.
 */
import type { BlobStorage } from '../storage/blob-storage.js';
import type { Logger } from '../providers/provider.js';
import type { Store } from './store.js';

export interface RetentionOptions {
  retentionS: number;
  batch?: number;
  /** how often to look; default a tenth of the retention period, between 1 s and 60 s */
  intervalMs?: number;
  /** stop a run after this long, continue at the next tick */
  budgetMs?: number;
  /** told the ids of each deleted batch (the task service drops them from its finished-task cache) */
  onDeleted?: (ids: string[]) => void;
}

export class Retention {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;

  constructor(
    private readonly store: Store,
    private readonly storage: BlobStorage,
    private readonly log: Logger,
    private readonly opts: RetentionOptions,
  ) {}

  start(): void {
    if (this.opts.retentionS <= 0) return;
    const every = this.opts.intervalMs ?? Math.min(60_000, Math.max(1000, (this.opts.retentionS * 1000) / 10));
    const tick = () => {
      this.running = this.runOnce().catch((err) => {
        this.log.warn({ err: String(err) }, 'retention run failed; will try again');
        return 0;
      });
      void this.running.finally(() => {
        this.running = null;
        // jitter, so that many workers do not all sweep in the same instant
        if (this.timer) this.timer = setTimeout(tick, every * (0.75 + Math.random() / 2)).unref();
      });
    };
    this.timer = setTimeout(tick, Math.min(every, 5000) * Math.random()).unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** deletes what is due now; returns how many tasks went */
  async runOnce(now = Date.now()): Promise<number> {
    const batch = this.opts.batch ?? 200;
    const until = Date.now() + (this.opts.budgetMs ?? 10_000);
    const cutoff = now - this.opts.retentionS * 1000;
    let total = 0;
    for (;;) {
      const due = await this.store.findFinishedBefore(cutoff, batch);
      if (due.length === 0) break;
      const cleared: string[] = [];
      for (let i = 0; i < due.length; i += 16) {
        await Promise.all(due.slice(i, i + 16).map(async (t) => {
          try {
            await this.storage.deletePrefix(`${t.account_id}/${t.id}/`);
            cleared.push(t.id);
          } catch (err) {
            this.log.warn({ task_id: t.id, err: String(err) }, 'retention: could not delete files; will retry');
          }
        }));
      }
      total += await this.store.deleteTasks(cleared);
      this.opts.onDeleted?.(cleared);
      if (due.length < batch || cleared.length === 0 || Date.now() > until) break;
    }
    if (total > 0) this.log.info({ deleted: total, retention_s: this.opts.retentionS }, 'retention: deleted finished tasks');
    return total;
  }
}
