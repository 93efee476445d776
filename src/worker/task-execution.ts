/**
 * One attempt at one task: builds the provider context, enforces the timeout, and turns the
 * outcome into exactly one transition. Every write is fenced by the lease token, so if this
 * worker lost the task (cancelled, or its lease was taken over) its writes are discarded.
 */
import type { BlobStorage } from '../storage/blob-storage.js';
import type { Provider, ProviderContext, Logger } from '../providers/provider.js';
import type { TaskService } from '../core/task-service.js';
import { retryDelayMs } from '../core/state-machine.js';
import { toTaskError } from '../core/errors.js';
import type { StoredFile, Task } from '../core/task.js';

export type AbortCause = 'timeout' | 'cancelled' | 'shutdown' | 'lost';

export class AbortedBy extends Error {
  constructor(readonly why: AbortCause) {
    super(`aborted: ${why}`);
  }
}

const PROGRESS_INTERVAL_MS = 200;

export class TaskExecution {
  readonly controller = new AbortController();
  current: Task;
  private progressWrite: Promise<unknown> = Promise.resolve();
  private lastProgressAt = 0;
  private pendingProgress: number | null = null;

  constructor(
    task: Task,
    private readonly provider: Provider,
    private readonly tasks: TaskService,
    private readonly storage: BlobStorage,
    private readonly log: Logger,
    private readonly retryBaseMs: number,
  ) {
    this.current = task;
  }

  abort(cause: AbortCause): void {
    if (!this.controller.signal.aborted) this.controller.abort(new AbortedBy(cause));
  }

  async run(): Promise<void> {
    const task = this.current;
    const timer = setTimeout(() => this.abort('timeout'), task.timeout_s * 1000);
    const aborted = new Promise<never>((_, reject) => {
      this.controller.signal.addEventListener('abort', () => reject(this.controller.signal.reason), { once: true });
    });
    aborted.catch(() => {});
    try {
      // a provider that ignores its signal must not hold the task hostage
      const out = await Promise.race([this.provider.run(task, this.context()), aborted]);
      await this.progressWrite;
      await this.tasks.apply(this.current, {
        type: 'succeed', result: out.result, provider: this.provider.id, creditsUsed: out.credits ?? task.credits_reserved,
      }, { fenced: true });
    } catch (e) {
      await this.progressWrite.catch(() => {});
      await this.settleFailure(e);
    } finally {
      clearTimeout(timer);
    }
  }

  private async settleFailure(e: unknown): Promise<void> {
    const reason = this.controller.signal.aborted ? this.controller.signal.reason : null;
    const cause = reason instanceof AbortedBy ? reason.why : null;
    const fenced = { fenced: true };
    if (cause === 'cancelled' || cause === 'lost') return; // someone else already wrote the outcome
    if (cause === 'timeout') {
      await this.tasks.apply(this.current, { type: 'timeout', timeoutS: this.current.timeout_s }, fenced);
      return;
    }
    if (cause === 'shutdown') {
      await this.tasks.apply(this.current, { type: 'release' }, fenced);
      return;
    }
    const error = toTaskError(e);
    if (!error.retryable) {
      await this.tasks.apply(this.current, { type: 'fail', error }, fenced);
      return;
    }
    const runAfter = Date.now() + retryDelayMs(this.current.attempts, Math.random(), this.retryBaseMs);
    await this.tasks.apply(this.current, { type: 'retry', error, runAfter }, fenced);
  }

  private context(): ProviderContext {
    const task = this.current;
    return {
      signal: this.controller.signal,
      log: this.log,
      progress: (p) => this.reportProgress(p),
      writeFile: async (f): Promise<StoredFile> => {
        const key = `${task.account_id}/${task.id}/${f.name}`;
        await this.storage.put(key, f.data, f.content_type);
        return {
          key, format: f.format, content_type: f.content_type, size_bytes: f.data.byteLength,
          duration_s: f.duration_s ?? null,
          ...(f.width != null ? { width: f.width } : {}),
          ...(f.height != null ? { height: f.height } : {}),
        };
      },
    };
  }

  /** Throttled: at most one progress write in flight and one per interval, the last value always lands. */
  private reportProgress(p: number): void {
    if (!Number.isFinite(p)) return;
    this.pendingProgress = p;
    const now = Date.now();
    if (now - this.lastProgressAt < PROGRESS_INTERVAL_MS && p < 1) return;
    this.lastProgressAt = now;
    this.progressWrite = this.progressWrite.then(async () => {
      const value = this.pendingProgress;
      if (value === null || this.controller.signal.aborted) return;
      this.pendingProgress = null;
      if (value <= (this.current.progress ?? 0)) return;
      const written = await this.tasks.apply(this.current, { type: 'progress', progress: value }, { fenced: true });
      if (written) this.current = written;
      else this.abort('lost');
    }).catch((err) => this.log.warn({ task_id: this.current.id, err: String(err) }, 'progress write failed'));
  }

  setLeaseUntil(until: number): void {
    this.current = { ...this.current, lease_until: until };
  }
}
