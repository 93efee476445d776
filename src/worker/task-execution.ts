/**
 * One attempt at one task: builds the provider context, enforces the timeout, and turns the
 * outcome into exactly one transition. Every write is fenced by the lease token, so if this
 * worker lost the task (cancelled, or its lease was taken over) its writes are discarded.
 */
import type { BlobStorage } from '../storage/blob-storage.js';
import type { AccountVoice, Provider, ProviderContext, Logger } from '../providers/provider.js';
import { uploadKey } from '../storage/upload-keys.js';
import type { TaskService } from '../core/task-service.js';
import { retryDelayMs, type TaskTransition } from '../core/state-machine.js';
import { isGenqError, toTaskError } from '../core/errors.js';
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
  private trailingProgress: NodeJS.Timeout | null = null;
  /** set once the provider's outcome is in: later progress reports are dropped */
  private providerDone = false;
  /** resolves once the provider has returned or thrown; the outcome may still be being written */
  readonly providerSettled: Promise<void>;
  private settleProvider: () => void = () => {};

  constructor(
    task: Task,
    private readonly provider: Provider,
    private readonly tasks: TaskService,
    private readonly storage: BlobStorage,
    private readonly log: Logger,
    private readonly retryBaseMs: number,
  ) {
    this.current = task;
    this.providerSettled = new Promise((r) => (this.settleProvider = r));
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
      const out = await Promise.race([this.provider.run(task, this.context()), aborted]).finally(() => this.endProgress());
      await this.progressWrite;
      if (out.voices?.length) await this.saveVoices(out.voices);
      await this.settle({
        type: 'succeed', result: out.result, provider: this.provider.id, creditsUsed: out.credits ?? task.credits_reserved,
      });
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
    if (cause === 'cancelled' || cause === 'lost') return; // someone else already wrote the outcome
    if (cause === 'timeout') {
      await this.settle({ type: 'timeout', timeoutS: this.current.timeout_s });
      return;
    }
    if (cause === 'shutdown') {
      await this.settle({ type: 'release' });
      return;
    }
    const error = toTaskError(e);
    if (!error.retryable) {
      await this.settle({ type: 'fail', error });
      return;
    }
    const runAfter = Date.now() + retryDelayMs(this.current.attempts, Math.random(), this.retryBaseMs);
    await this.settle({ type: 'retry', error, runAfter });
  }

  /**
   * Writes the outcome, fenced by the lease token. While the store is unreachable (a database
   * restart) it keeps trying until the lease would have run out; after that the task is
   * another worker's to run again, and the fence would discard this write anyway.
   */
  private async settle(t: TaskTransition): Promise<void> {
    for (let delay = 100; ; delay = Math.min(2000, delay * 2)) {
      try {
        await this.tasks.apply(this.current, t, { fenced: true });
        return;
      } catch (e) {
        const leaseLeft = (this.current.lease_until ?? 0) - Date.now();
        if (!isGenqError(e) || e.code !== 'UNAVAILABLE' || leaseLeft <= 0) throw e;
        await new Promise((r) => setTimeout(r, Math.min(delay, leaseLeft)));
      }
    }
  }

  /** New account voices land before the success that names them; a re-run skips those already saved. */
  private async saveVoices(voices: AccountVoice[]): Promise<void> {
    const { account_id: accountId } = this.current;
    const fresh: AccountVoice[] = [];
    for (const v of voices) if (!(await this.tasks.store.getVoice(v.id, accountId))) fresh.push(v);
    const now = Date.now();
    if (fresh.length) await this.tasks.store.insertVoices(fresh.map((v) => ({ ...v, account_id: accountId, created_at: now })));
  }

  private context(): ProviderContext {
    const task = this.current;
    return {
      signal: this.controller.signal,
      log: this.log,
      account: {
        getVoice: (id) => this.tasks.store.getVoice(id, task.account_id),
        readUpload: async (id) => {
          const key = uploadKey(task.account_id, id);
          if ((await this.storage.size(key)) === null) return null;
          const chunks: Buffer[] = [];
          for await (const c of await this.storage.read(key)) chunks.push(Buffer.from(c as Uint8Array));
          return new Uint8Array(Buffer.concat(chunks));
        },
      },
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
    if (this.providerDone || !Number.isFinite(p)) return;
    this.pendingProgress = Math.max(this.pendingProgress ?? 0, p);
    const wait = this.lastProgressAt + PROGRESS_INTERVAL_MS - Date.now();
    if (wait > 0 && p < 1) {
      // held back by the throttle: write it when the interval ends, even if the provider goes quiet
      this.trailingProgress ??= setTimeout(() => {
        this.trailingProgress = null;
        this.flushProgress();
      }, wait);
      return;
    }
    this.flushProgress();
  }

  private endProgress(): void {
    this.providerDone = true;
    this.settleProvider();
    if (this.trailingProgress) clearTimeout(this.trailingProgress);
    this.trailingProgress = null;
  }

  private flushProgress(): void {
    this.lastProgressAt = Date.now();
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
