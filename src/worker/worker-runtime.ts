/**
 * The worker: claims queued tasks under a lease, runs each through its provider, heartbeats
 * the leases it holds, and sweeps the queue for expired leases (crashed workers) and missed
 * queue deadlines. Idle workers wake on the event bus, not by polling the table hot.
 */
import os from 'node:os';
import type { Store } from '../store/store.js';
import type { BlobStorage } from '../storage/blob-storage.js';
import type { Logger } from '../providers/provider.js';
import type { TaskService } from '../core/task-service.js';
import type { ModelRegistry } from '../core/model-registry.js';
import { newId, newToken } from '../core/ids.js';
import { retryDelayMs } from '../core/state-machine.js';
import { TaskExecution } from './task-execution.js';

export interface WorkerOptions {
  concurrency: number;
  leaseMs: number;
  heartbeatMs: number;
  retryBaseMs: number;
  shutdownGraceMs: number;
  /** fallback poll for work this process was not told about (other processes, scheduled retries) */
  pollMs?: number;
  /** running tasks per account unless the account has its own limit; null = none */
  accountConcurrency?: number | null;
  sweepMs?: number;
}

const MAX_CLAIMS_IN_FLIGHT = 2;

export class WorkerRuntime {
  readonly owner = `worker-${newId()}`;
  /** every task this worker holds a lease on, until its outcome is written */
  private readonly running = new Map<string, TaskExecution>();
  /**
   * provider runs in progress: what `concurrency` limits. A task whose provider is done but
   * whose outcome is still being committed no longer takes a slot, so the next claim overlaps
   * that write instead of waiting for it.
   */
  private busy = 0;
  private claimsInFlight = 0;
  /** slots asked for by claims still in flight */
  private reserved = 0;
  private kickScheduled = false;
  private claimAgain = false;
  private stopping = false;
  private timers: NodeJS.Timeout[] = [];
  private wakeTimer: NodeJS.Timeout | null = null;
  private unsubscribe: Array<() => void> = [];
  private idle: Array<() => void> = [];
  private readonly startedAt = Date.now();
  /** after a failed claim (store unreachable) wait this long before the next; doubles up to 5 s */
  private backoffMs = 0;
  private backoffUntil = 0;

  constructor(
    private readonly tasks: TaskService,
    private readonly store: Store,
    private readonly registry: ModelRegistry,
    private readonly storage: BlobStorage,
    private readonly log: Logger,
    private readonly opts: WorkerOptions,
  ) {}

  start(): void {
    // wakes for work queued here and, through the store's change feed, in other processes
    this.unsubscribe.push(this.tasks.bus.onWake(() => this.kick()));
    this.unsubscribe.push(
      this.tasks.bus.onCancelled((t) => this.running.get(t.id)?.abort('cancelled')),
    );
    this.timers.push(setInterval(() => void this.heartbeat(), this.opts.heartbeatMs));
    this.timers.push(setInterval(() => void this.reportPresence(), this.opts.heartbeatMs));
    void this.reportPresence();
    this.timers.push(setInterval(() => void this.sweep(), this.opts.sweepMs ?? 1000));
    for (const t of this.timers) t.unref();
    // the poll stays referenced: in a `--role worker` process no HTTP server keeps Node alive,
    // and a worker must run until stop() is called
    this.timers.push(setInterval(() => this.kick(), this.opts.pollMs ?? 1000));
    void this.sweep().then(() => this.kick());
    this.log.info({ owner: this.owner, concurrency: this.opts.concurrency }, 'worker started');
  }

  /** tasks this worker holds, including ones whose provider finished and whose outcome is being written */
  get active(): number {
    return this.running.size;
  }

  /** providers running now: what `concurrency` bounds (a task writing its outcome no longer holds a slot) */
  get runningProviders(): number {
    return this.busy;
  }

  /**
   * Asks for a claim on the next turn of the event loop, so every slot freed by one commit
   * (many tasks finishing together) is filled by one claim instead of one claim per task.
   */
  kick(): void {
    if (this.kickScheduled) return;
    this.kickScheduled = true;
    setImmediate(() => {
      this.kickScheduled = false;
      this.claimFreeSlots();
    });
  }

  /**
   * Claims as many tasks as there are free slots. Up to two claims overlap: slots freed while
   * one claim waits for its commit are filled by the next instead of idling for a round trip.
   * Each claim reserves the slots it asked for until it returns, so the two together never
   * take more than the free slots.
   */
  private claimFreeSlots(): void {
    if (this.stopping || Date.now() < this.backoffUntil) return;
    const free = this.opts.concurrency - this.busy - this.reserved;
    if (free <= 0) return; // a returning claim kicks again
    if (this.claimsInFlight >= MAX_CLAIMS_IN_FLIGHT) {
      this.claimAgain = true;
      return;
    }
    this.claimsInFlight += 1;
    this.reserved += free;
    this.claimAgain = false;
    void this.claim(free).finally(() => {
      this.claimsInFlight -= 1;
      this.reserved -= free;
      if (this.claimAgain) this.kick();
    });
  }

  private async claim(limit: number): Promise<void> {
    const now = Date.now();
    let claimed;
    try {
      claimed = await this.store.claimTasks({
        owner: this.owner, limit, now, leaseUntil: now + this.opts.leaseMs, newToken, models: this.registry.modelIds(),
        defaultMaxRunning: this.opts.accountConcurrency ?? null, webhookRetryUntil: this.tasks.webhookRetryUntil(now),
      });
    } catch (err) {
      this.backoffMs = Math.min(5000, Math.max(100, this.backoffMs * 2));
      this.backoffUntil = Date.now() + this.backoffMs;
      this.log.error({ err: String(err), retry_in_ms: this.backoffMs }, 'claim failed; will retry');
      setTimeout(() => this.kick(), this.backoffMs + 1).unref();
      return;
    }
    this.backoffMs = 0;
    this.backoffUntil = 0;
    // the claim stored their task.running messages: let this process's deliverer send them now
    if (claimed.some((t) => t.webhook?.events?.includes('task.running'))) this.tasks.onDelivery();
    for (const task of claimed) {
      this.log.info({ task_id: task.id, from: 'queued', to: 'running', transition: 'claim', attempts: task.attempts, model: task.model }, 'task transition');
      this.tasks.announce('task.running', task);
      const provider = this.registry.providerFor(task.model)!;
      const exec = new TaskExecution(task, provider, this.tasks, this.storage, this.log, this.opts.retryBaseMs);
      // an older attempt of ours may still be running if our lease was taken back and we won the task again
      this.running.get(task.id)?.abort('lost');
      this.running.set(task.id, exec);
      this.busy += 1;
      let slotFreed = false;
      const freeSlot = () => {
        if (slotFreed) return;
        slotFreed = true;
        this.busy -= 1;
        this.kick();
      };
      void exec.providerSettled.then(freeSlot);
      void exec.run().catch((err) => this.log.error({ task_id: task.id, err: String(err) }, 'task settle failed')).finally(() => {
        freeSlot();
        // only forget the task if this attempt is still the current one: never orphan a newer attempt
        if (this.running.get(task.id) === exec) this.running.delete(task.id);
        if (this.running.size === 0) for (const f of this.idle.splice(0)) f();
        this.kick();
      });
    }
    // a full claim suggests more work is waiting
    if (claimed.length === limit) this.claimAgain = true;
    else await this.scheduleWake();
  }

  /** sleeps until the earliest retry-after among queued tasks, so backoffs are not late by a poll period */
  private async scheduleWake(): Promise<void> {
    const next = await this.store.nextRunAfter(Date.now());
    if (next === null) return;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = setTimeout(() => this.kick(), Math.max(0, next - Date.now()) + 1);
    this.wakeTimer.unref();
  }

  /** tells the store this worker is alive (GET /v1/status lists live workers) */
  private async reportPresence(): Promise<void> {
    if (this.stopping) return;
    const now = Date.now();
    try {
      await this.store.recordWorker({
        id: this.owner, host: os.hostname(), pid: process.pid, started_at: this.startedAt, last_seen: now,
        alive_until: now + 3 * this.opts.heartbeatMs + 1000, running: this.running.size, concurrency: this.opts.concurrency,
        models: this.registry.modelIds(),
      });
    } catch (err) {
      this.log.warn({ err: String(err) }, 'worker presence report failed');
    }
  }

  private async heartbeat(): Promise<void> {
    if (this.running.size === 0) return;
    const until = Date.now() + this.opts.leaseMs;
    const ids = [...this.running.keys()];
    for (const id of ids) this.running.get(id)?.setLeaseUntil(until);
    try {
      const held = new Set(await this.store.renewLeases(this.owner, ids, until));
      // a lease we no longer hold was cancelled elsewhere or taken over: stop working on it
      for (const id of ids) if (!held.has(id)) this.running.get(id)?.abort('lost');
    } catch (err) {
      this.log.warn({ err: String(err) }, 'heartbeat failed');
    }
  }

  /** Returns tasks of dead workers to the queue and expires tasks that waited past their deadline. */
  async sweep(): Promise<void> {
    try {
      const now = Date.now();
      for (const task of await this.store.findExpiredLeases(now, 500)) {
        if (this.running.has(task.id)) continue;
        await this.tasks.apply(task, { type: 'lease_expired', runAfter: now + retryDelayMs(task.attempts, Math.random(), this.opts.retryBaseMs) }, { fenced: true });
      }
      for (const task of await this.store.findOverdue(now, 500)) {
        await this.tasks.apply(task, { type: 'expire' });
      }
    } catch (err) {
      this.log.warn({ err: String(err) }, 'sweep failed');
    }
  }

  /** Stops claiming, lets running tasks finish within the grace period, then hands the rest back. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    for (const u of this.unsubscribe) u();
    while (this.claimsInFlight > 0) await new Promise((r) => setTimeout(r, 5));
    if (this.running.size > 0) {
      const drained = new Promise<void>((r) => this.idle.push(r));
      const grace = new Promise<void>((r) => setTimeout(r, this.opts.shutdownGraceMs).unref());
      await Promise.race([drained, grace]);
      if (this.running.size > 0) {
        this.log.info({ count: this.running.size }, 're-queueing tasks still running at shutdown');
        for (const exec of this.running.values()) exec.abort('shutdown');
        await new Promise<void>((r) => (this.running.size === 0 ? r() : this.idle.push(r)));
      }
    }
    await this.store.removeWorker(this.owner).catch(() => {});
    this.log.info({ owner: this.owner }, 'worker stopped');
  }
}
