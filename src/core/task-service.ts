/**
 * The task core: admission, reads, cancellation and every state write. HTTP shells and the
 * worker call this; it knows no wire format. Each state write is: pure transition → store
 * compare-and-set → event on the bus → one log line.
 */
import { setMaxListeners } from 'node:events';
import type { Store } from '../store/store.js';
import type { Logger } from '../providers/provider.js';
import { GenqError, invalidRequest, taskNotFound } from './errors.js';
import type { EventBus } from './event-bus.js';
import { newTaskId, TASK_ID_PATTERN } from './ids.js';
import { FinishedTaskCache } from './finished-cache.js';
import { jsonDepthExceeds, MAX_JSON_DEPTH } from './json-depth.js';
import type { ModelRegistry } from './model-registry.js';
import { eventName, transition, type TaskTransition } from './state-machine.js';
import { isTerminal, type NewTask, type Task, type TaskStatus, type WebhookSpec } from './task.js';

export interface CreateTaskRequest {
  capability: string;
  action: string;
  model?: string;
  input: Record<string, unknown>;
  metadata?: Record<string, unknown> | null;
  webhook?: WebhookSpec | null;
  priority?: number;
  timeout_s?: number;
  queue_ttl_s?: number;
  idempotency_key?: string | null;
}

export interface TaskServiceOptions {
  maxAttempts: number;
  queueTtlS: number;
  defaultTimeoutS?: number;
}

export const MAX_BATCH = 1000;

export class TaskService {
  /** finished tasks never change; polls of them skip the store */
  readonly finished = new FinishedTaskCache();

  constructor(
    readonly store: Store,
    readonly registry: ModelRegistry,
    readonly bus: EventBus,
    private readonly log: Logger,
    private readonly opts: TaskServiceOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Validates a request into a task row without writing anything. */
  prepare(accountId: string, req: CreateTaskRequest, dialect: string): NewTask {
    if (jsonDepthExceeds(req.input) || jsonDepthExceeds(req.metadata)) {
      throw invalidRequest(`input and metadata may nest at most ${MAX_JSON_DEPTH} levels deep`);
    }
    const { provider, model } = this.registry.resolve(req.capability, req.action, req.model);
    const input = provider.validate(model, req.input ?? {});
    const now = this.now();
    return {
      id: newTaskId(),
      account_id: accountId,
      capability: model.capability,
      action: model.action,
      model: model.id,
      provider: null,
      status: 'queued',
      progress: null,
      input,
      result: null,
      error: null,
      metadata: req.metadata ?? null,
      credits_reserved: provider.estimate(model, input),
      credits_used: null,
      attempts: 0,
      max_attempts: this.opts.maxAttempts,
      timeout_s: req.timeout_s ?? model.timeout_s ?? this.opts.defaultTimeoutS ?? 600,
      priority: req.priority ?? 0,
      idempotency_key: req.idempotency_key ?? null,
      webhook: req.webhook ?? null,
      dialect,
      created_at: now,
      started_at: null,
      completed_at: null,
      expires_at: now + (req.queue_ttl_s ?? this.opts.queueTtlS) * 1000,
      run_after: now,
      degraded: false,
      lease_owner: null,
      lease_token: null,
      lease_until: null,
    };
  }

  /** Durable before it returns. With an idempotency key already used, returns the original task. */
  async create(accountId: string, req: CreateTaskRequest, dialect: string): Promise<{ task: Task; created: boolean }> {
    if (req.idempotency_key) {
      const existing = await this.store.findByIdempotencyKey(accountId, req.idempotency_key);
      if (existing) return { task: existing, created: false };
    }
    const prepared = await this.checkForAccount(accountId, this.prepare(accountId, req, dialect));
    let task: Task;
    try {
      [task] = (await this.store.insertTasks([prepared], 'task.queued')) as [Task];
    } catch (e) {
      // two concurrent creates with one key: the loser returns the winner's task
      if (req.idempotency_key && /UNIQUE|unique/.test(String(e))) {
        const existing = await this.store.findByIdempotencyKey(accountId, req.idempotency_key);
        if (existing) return { task: existing, created: false };
      }
      throw e;
    }
    this.created(task);
    return { task, created: true };
  }

  /** All or nothing: every item is validated before any is written, in one transaction. */
  async createBatch(accountId: string, reqs: CreateTaskRequest[], dialect: string): Promise<Task[]> {
    if (reqs.length === 0) throw invalidRequest('"tasks" must hold at least one task');
    if (reqs.length > MAX_BATCH) throw invalidRequest(`A batch holds at most ${MAX_BATCH} tasks; got ${reqs.length}`);
    const prepared = reqs.map((r, i) => {
      try {
        if (r.idempotency_key) throw invalidRequest('idempotency_key is not supported inside a batch; send an Idempotency-Key header for the whole batch');
        return this.prepare(accountId, r, dialect);
      } catch (e) {
        if (e instanceof GenqError) {
          throw new GenqError(e.code, `tasks[${i}]: ${e.message}`, {
            status: e.status, type: e.type, details: { ...e.details, index: i },
          });
        }
        throw e;
      }
    });
    for (let i = 0; i < prepared.length; i++) {
      try {
        prepared[i] = await this.checkForAccount(accountId, prepared[i]!);
      } catch (e) {
        if (e instanceof GenqError) throw new GenqError(e.code, `tasks[${i}]: ${e.message}`, { status: e.status, type: e.type, details: { ...e.details, index: i } });
        throw e;
      }
    }
    const tasks = await this.store.insertTasks(prepared, 'task.queued');
    for (const t of tasks) this.created(t);
    return tasks;
  }

  /**
   * The provider's account-scoped validation, after `prepare`: what only this account can
   * answer, such as whether a voice id names one of its voices. Unknown → INVALID_INPUT.
   */
  async checkForAccount(accountId: string, task: NewTask): Promise<NewTask> {
    const { provider, model } = this.registry.resolve(task.capability, task.action, task.model);
    if (!provider.validateForAccount) return task;
    const input = await provider.validateForAccount(model, task.input, { getVoice: (id) => this.store.getVoice(id, accountId) });
    return { ...task, input };
  }

  async get(accountId: string, id: string): Promise<Task> {
    const cached = this.finished.get(id);
    if (cached && cached.account_id === accountId) return cached;
    const task = TASK_ID_PATTERN.test(id) ? await this.store.getTask(id, accountId) : null;
    if (!task) throw taskNotFound(id);
    if (isTerminal(task.status)) this.finished.put(task);
    return task;
  }

  /** CAMB.AI addresses results by the small integer `run_id` rather than the task id. */
  async getByRunId(accountId: string, runId: number): Promise<Task> {
    const task = Number.isSafeInteger(runId) && runId > 0 ? await this.store.getTaskByRunId(runId, accountId) : null;
    if (!task) throw taskNotFound(String(runId));
    return task;
  }

  async cancel(accountId: string, id: string, reason?: string): Promise<Task> {
    for (;;) {
      const task = await this.get(accountId, id);
      // raises TASK_FINISHED (409) for a terminal task
      const written = await this.apply(task, { type: 'cancel', reason });
      if (written) return written;
      // lost a race with a worker's write: read again and retry on the new state
    }
  }

  /**
   * Applies a transition with compare-and-set. Returns null when the stored task moved on
   * (another writer won); a worker treats that as having lost the task.
   */
  async apply(task: Task, t: TaskTransition, opts: { fenced?: boolean } = {}): Promise<Task | null> {
    const next = transition(task, t, this.now());
    const event = eventName(t, next);
    const written = await this.store.updateTask({
      next,
      expectStatus: task.status,
      ...(opts.fenced ? { expectLeaseToken: task.lease_token } : {}),
      event,
    });
    if (!written) return null;
    if (t.type !== 'progress') {
      this.log.info(
        { task_id: task.id, from: task.status, to: written.status, transition: t.type, attempts: written.attempts, model: task.model,
          ...(written.error && written.status !== 'succeeded' ? { error_code: written.error.code } : {}) },
        'task transition',
      );
    }
    this.announce(event, written);
    return written;
  }

  /** Tells listeners in this process about a change that is already durable. */
  announce(type: string, task: Task): void {
    this.bus.publish({ type, task });
  }

  private created(task: Task): void {
    this.log.info({ task_id: task.id, to: task.status, transition: 'create', model: task.model }, 'task transition');
    this.announce(`task.${task.status}`, task);
  }

  /** Resolves with the task once it is terminal, or as it stands when `timeoutMs` runs out. */
  async waitForTerminal(accountId: string, id: string, timeoutMs: number, signal?: AbortSignal): Promise<Task> {
    if (this.shuttingDown.signal.aborted) timeoutMs = 0;
    let wake: () => void = () => {};
    const changed = new Promise<void>((r) => (wake = r));
    const unsubscribe = this.bus.subscribe(id, (c) => {
      if (isTerminal(c.task.status)) wake();
    });
    const timer = setTimeout(wake, timeoutMs);
    const onAbort = () => wake();
    signal?.addEventListener('abort', onAbort, { once: true });
    this.shuttingDown.signal.addEventListener('abort', onAbort, { once: true });
    try {
      // read after subscribing so a change between the two cannot be missed
      const task = await this.get(accountId, id);
      if (isTerminal(task.status) || timeoutMs <= 0) return task;
      await changed;
      return await this.get(accountId, id);
    } finally {
      clearTimeout(timer);
      unsubscribe();
      signal?.removeEventListener('abort', onAbort);
      this.shuttingDown.signal.removeEventListener('abort', onAbort);
    }
  }

  // thousands of open long-polls and streams each listen: that is normal, not a leak
  private readonly shuttingDown = (() => {
    const c = new AbortController();
    setMaxListeners(0, c.signal);
    return c;
  })();

  /** aborted when the process shuts down: open waits (long-polls, SSE streams) end early */
  get shutdownSignal(): AbortSignal {
    return this.shuttingDown.signal;
  }

  /**
   * Shutdown: every long-poll answers at once with the task as it stands and every event
   * stream ends (its client reconnects), so closing the HTTP server does not wait on them.
   */
  stopWaiting(): void {
    this.shuttingDown.abort();
  }

  list(accountId: string, q: { status?: TaskStatus[]; capability?: string; limit: number; before?: string }): Promise<Task[]> {
    return this.store.listTasks({ accountId, ...q });
  }
}
