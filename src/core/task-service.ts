/**
 * The task core: admission, reads, cancellation and every state write. HTTP shells and the
 * worker call this; it knows no wire format. Each state write is: pure transition → store
 * compare-and-set → event on the bus → one log line.
 */
import { setMaxListeners } from 'node:events';
import { InsufficientCredits, type NewDelivery, type Store } from '../store/store.js';
import type { Price } from '../config.js';
import { paymentRequired, priceOf, settlementFor } from './credits.js';
import { requestHash } from './request-hash.js';
import { deliveryFor, normaliseWebhook } from './webhooks.js';
import type { Logger } from '../providers/provider.js';
import { GenqError, invalidRequest, isGenqError, taskNotFound } from './errors.js';
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
  /** configured prices by model; others use their provider's estimate */
  prices?: Readonly<Record<string, Price>>;
  /** how long a webhook message is retried */
  webhookRetryS?: number;
  /** the outbound-URL policy for webhook targets: throws a 4xx GenqError to refuse one */
  checkWebhookUrl?: (url: string) => void;
}

/**
 * A webhook deliverer in this process. `take` reserves a slot and says until when a message
 * stored now is claimed by it (null: no slot free; the message is stored due and claimed
 * later, by any process); after the change is durable the message is handed over with `send`,
 * and if it was not written the slot is given back.
 */
export interface LocalDeliverer {
  take(): number | null;
  send(message: NewDelivery & { claimed_until?: number }): void;
  giveBack(): void;
}

/** What a create does when the account cannot cover the task: refuse it (402), or store it failed (CAMB.AI's PAYMENT_REQUIRED status). */
export type WhenUnaffordable = 'reject' | 'fail-task';

/** what a task may carry as metadata, in every dialect */
export const MAX_METADATA_BYTES = 16 * 1024;

const idempotencyMismatch = (key: string) =>
  new GenqError('IDEMPOTENCY_KEY_REUSED', `Idempotency-Key "${key}" was already used for a different request; use a new key for a new request`, {
    status: 422, type: 'invalid_request',
  });

export const MAX_BATCH = 1000;
const DEFAULT_WEBHOOK_RETRY_S = 86_400;

/** SQLite and PostgreSQL both name a unique-index conflict this way (see postgres/insert-tasks.ts UniqueViolation) */
const isUniqueViolation = (e: unknown): boolean => /UNIQUE|unique/.test(String(e));

/** what makes two creates "the same request" for an idempotency key: everything the client sent but the key */
function fingerprint(req: CreateTaskRequest | CreateTaskRequest[], dialect: string): string {
  const strip = ({ idempotency_key: _k, ...rest }: CreateTaskRequest) => rest;
  return requestHash(dialect, Array.isArray(req) ? req.map(strip) : strip(req));
}

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
    // every dialect's metadata (ModelHunter, aiclonevoicefree, CAMB.AI project fields), not only the native API's
    if (req.metadata && Buffer.byteLength(JSON.stringify(req.metadata)) > MAX_METADATA_BYTES) {
      throw invalidRequest(`metadata is larger than ${MAX_METADATA_BYTES / 1024} KiB`);
    }
    const { provider, model } = this.registry.resolve(req.capability, req.action, req.model);
    const input = provider.validate(model, req.input ?? {});
    const webhook = req.webhook ? normaliseWebhook(req.webhook, this.opts.checkWebhookUrl ?? (() => {})) : null;
    const price = this.opts.prices?.[model.id];
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
      credits_reserved: price ? priceOf(price, input) : provider.estimate(model, input),
      credits_used: null,
      attempts: 0,
      max_attempts: this.opts.maxAttempts,
      timeout_s: req.timeout_s ?? model.timeout_s ?? this.opts.defaultTimeoutS ?? 600,
      priority: req.priority ?? 0,
      idempotency_key: req.idempotency_key ?? null,
      request_hash: req.idempotency_key ? fingerprint(req, dialect) : null,
      webhook,
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

  /**
   * Durable before it returns, with the task's credits held. With an idempotency key already
   * used for the same request, returns the original task (and holds nothing again).
   */
  async create(accountId: string, req: CreateTaskRequest, dialect: string, whenUnaffordable: WhenUnaffordable = 'reject'): Promise<{ task: Task; created: boolean }> {
    const key = req.idempotency_key;
    if (key) {
      const existing = await this.store.findByIdempotencyKey(accountId, key);
      if (existing) return { task: this.sameRequest(existing, fingerprint(req, dialect), key), created: false };
      // a batch under this key stored its tasks as "<key> #<i>": that was another request
      if ((await this.store.findByIdempotencyKeys(accountId, [`${key} #0`])).length > 0) throw idempotencyMismatch(key);
    }
    const prepared = await this.checkForAccount(accountId, this.prepare(accountId, req, dialect));
    // two concurrent creates with one key: the loser returns the winner's task, whatever its own
    // write failed on (the unique key, or the credits the winner's hold had already taken)
    const winner = async (e: unknown): Promise<Task | null> => {
      if (!key || !(e instanceof InsufficientCredits || isUniqueViolation(e))) return null;
      const existing = await this.store.findByIdempotencyKey(accountId, key);
      return existing ? this.sameRequest(existing, prepared.request_hash, key) : null;
    };
    let task: Task;
    try {
      [task] = (await this.store.insertTasks([prepared], 'task.queued')) as [Task];
    } catch (e) {
      const won = await winner(e);
      if (won) return { task: won, created: false };
      if (!(e instanceof InsufficientCredits)) throw e;
      if (whenUnaffordable === 'reject') throw paymentRequired(e.required, e.balance);
      try {
        task = await this.storeUnaffordable(prepared, e);
      } catch (e2) {
        const lost = await winner(e2);
        if (lost) return { task: lost, created: false };
        throw e2;
      }
    }
    this.created(task);
    return { task, created: true };
  }

  private sameRequest(existing: Task, hash: string | null, key: string): Task {
    if (existing.request_hash !== null && existing.request_hash !== hash) throw idempotencyMismatch(key);
    return existing;
  }

  /** a task the account could not pay for, kept as failed with PAYMENT_REQUIRED and nothing held */
  private async storeUnaffordable(prepared: NewTask, e: InsufficientCredits): Promise<Task> {
    const err = paymentRequired(e.required, e.balance);
    const failed: NewTask = {
      ...prepared, status: 'failed', credits_reserved: 0, credits_used: 0, completed_at: this.now(),
      error: { code: err.code, message: err.message, type: err.type, retryable: false },
    };
    const [task] = (await this.store.insertTasks([failed], 'task.failed')) as [Task];
    return task;
  }

  /**
   * A batch under one Idempotency-Key: task i carries "<key> #i" and the whole batch's
   * fingerprint, so a repeat returns the same tasks and a different batch under the key is refused.
   */
  async createBatchOnce(accountId: string, reqs: CreateTaskRequest[], dialect: string, key: string): Promise<{ tasks: Task[]; created: boolean }> {
    const hash = fingerprint(reqs, dialect);
    const keys = reqs.map((_, i) => `${key} #${i}`);
    const replay = async (): Promise<Task[] | null> => {
      // a single create under this key was another request
      if (await this.store.findByIdempotencyKey(accountId, key)) throw idempotencyMismatch(key);
      const found = await this.store.findByIdempotencyKeys(accountId, keys);
      if (found.length === 0) return null;
      // a batch is stored whole, so a partial match means the key named a batch of another size
      for (const t of found) this.sameRequest(t, hash, key);
      if (found.length !== keys.length) throw idempotencyMismatch(key);
      const byKey = new Map(found.map((t) => [t.idempotency_key, t]));
      return keys.map((k) => byKey.get(k)!);
    };
    const before = await replay();
    if (before) return { tasks: before, created: false };
    try {
      return { tasks: await this.createBatch(accountId, reqs, dialect, (t, i) => ({ ...t, idempotency_key: keys[i]!, request_hash: hash })), created: true };
    } catch (e) {
      // lost a race with the same batch under this key: on the key itself, or (SQLite, where the
      // hold is taken before the insert) on the credits the winner's hold took
      if (!isUniqueViolation(e) && !(isGenqError(e) && e.code === 'PAYMENT_REQUIRED')) throw e;
      const after = await replay();
      if (after) return { tasks: after, created: false };
      throw e;
    }
  }

  /** All or nothing: every item is validated before any is written, in one transaction. */
  async createBatch(accountId: string, reqs: CreateTaskRequest[], dialect: string, finish?: (t: NewTask, i: number) => NewTask): Promise<Task[]> {
    if (reqs.length === 0) throw invalidRequest('"tasks" must hold at least one task');
    if (reqs.length > MAX_BATCH) throw invalidRequest(`A batch holds at most ${MAX_BATCH} tasks; got ${reqs.length}`);
    const prepared = reqs.map((r, i) => {
      try {
        if (r.idempotency_key) throw invalidRequest('idempotency_key is not supported inside a batch; send an Idempotency-Key header for the whole batch');
        const t = this.prepare(accountId, r, dialect);
        return finish ? finish(t, i) : t;
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
    let tasks: Task[];
    try {
      tasks = await this.store.insertTasks(prepared, 'task.queued');
    } catch (e) {
      if (e instanceof InsufficientCredits) throw paymentRequired(e.required, e.balance);
      throw e;
    }
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
    const now = this.now();
    // a configured price is what a priced model costs: the provider's own count does not apply
    if (t.type === 'succeed' && this.opts.prices?.[task.model]) t = { ...t, creditsUsed: task.credits_reserved };
    const next = transition(task, t, now);
    const event = eventName(t, next);
    const settle = settlementFor(task.status, next);
    let delivery = t.type === 'progress' ? undefined : deliveryFor(next, event, now, this.webhookRetryUntil(now));
    // a deliverer in this process with a free slot takes the message as it is stored (no claim write)
    const claimedUntil = delivery ? this.localDeliverer?.take() ?? null : null;
    if (delivery && claimedUntil !== null) delivery = { ...delivery, claimed_until: claimedUntil };
    let written: Task | null;
    try {
      written = await this.store.updateTask({
        next,
        expectStatus: task.status,
        ...(opts.fenced ? { expectLeaseToken: task.lease_token } : {}),
        event,
        ...(settle ? { settle } : {}),
        ...(delivery ? { delivery } : {}),
      });
    } catch (e) {
      if (claimedUntil !== null) this.localDeliverer!.giveBack();
      throw e;
    }
    if (!written) {
      if (claimedUntil !== null) this.localDeliverer!.giveBack();
      return null;
    }
    if (delivery && claimedUntil !== null) this.localDeliverer!.send(delivery);
    else if (delivery) this.onDelivery();
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

  /** until when a message stored now is retried */
  webhookRetryUntil(now: number): number {
    return now + (this.opts.webhookRetryS ?? DEFAULT_WEBHOOK_RETRY_S) * 1000;
  }

  /** called after a webhook message was stored, so a deliverer in this process can send it at once */
  onDelivery: () => void = () => {};

  /** this process's webhook deliverer, which may take messages as they are stored */
  localDeliverer: LocalDeliverer | null = null;

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
