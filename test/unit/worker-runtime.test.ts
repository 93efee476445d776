/**
 * The real WorkerRuntime + TaskService + SqliteStore (temp file) + LocalStorage (temp dir),
 * driven in-process by a scriptable fake provider. Short leases, heartbeats and backoffs keep
 * every path (retry, timeout, cancel, lease loss, shutdown, progress) well under a second.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { LocalStorage } from '../../src/storage/local-storage.js';
import { EventBus } from '../../src/core/event-bus.js';
import { ModelRegistry } from '../../src/core/model-registry.js';
import { TaskService, type TaskServiceOptions } from '../../src/core/task-service.js';
import { providerError } from '../../src/core/errors.js';
import { transition } from '../../src/core/state-machine.js';
import { WorkerRuntime, type WorkerOptions } from '../../src/worker/worker-runtime.js';
import { AbortedBy } from '../../src/worker/task-execution.js';
import type { Logger, Provider } from '../../src/providers/provider.js';
import type { Task } from '../../src/core/task.js';

// ---------------------------------------------------------------- the fake provider

/**
 * What one attempt does. A task's input holds a script; call n of that task plays script[n]
 * (the last entry repeats), so "fail once, then succeed" is ['retryable', 'ok'].
 */
type Step =
  | 'ok' // resolves at once with one written file
  | 'retryable' // throws providerError(…, retryable = true)
  | 'fatal' // throws providerError(…, retryable = false)
  | 'plain' // throws a bare Error (treated as retryable)
  | 'hang' // never finishes on its own; rejects when aborted
  | 'hang-ignore-abort' // never finishes, ignores its signal
  | 'gate' // waits for open(id); rejects when aborted
  | 'gate-ignore-abort' // waits for open(id) and then resolves, whatever happened meanwhile
  | 'sleep' // sleeps input.sleep_ms (abortable), then resolves
  | 'progress' // reports input.reports values input.every_ms apart, then resolves
  | 'burst-then-gate'; // reports 0.2, and 50 ms later 0.4 and 0.6, then waits for open(id)

interface Call {
  id: string;
  attempt: number;
  step: Step;
  signal: AbortSignal;
}

const ACCOUNT = 'acct-worker-test';
const calls: Call[] = [];
const gates = new Map<string, () => void>();

const callsOf = (id: string): Call[] => calls.filter((c) => c.id === id);
const open = (id: string): void => {
  const g = gates.get(id);
  if (!g) throw new Error(`no gate waiting for ${id}`);
  gates.delete(id);
  g();
};

function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const fake: Provider = {
  id: 'fake',
  models: [{ id: 'fake', capability: 'voice', action: 'tts', description: 'scriptable test provider', default: true }],
  validate: (_m, input) => input,
  estimate: () => 5,
  async run(task, ctx) {
    const input = task.input as { script: Step[]; sleep_ms?: number; reports?: number[]; every_ms?: number };
    const n = callsOf(task.id).length;
    const step = input.script[Math.min(n, input.script.length - 1)]!;
    calls.push({ id: task.id, attempt: task.attempts, step, signal: ctx.signal });
    const done = async () => ({
      result: { files: [await ctx.writeFile({ name: 'out.wav', data: new Uint8Array([1, 2, 3, 4]), format: 'wav', content_type: 'audio/wav', duration_s: 0.1 })] },
      credits: 2,
    });
    switch (step) {
      case 'ok':
        return done();
      case 'retryable':
        throw providerError(`flaky upstream on attempt ${task.attempts}`, true);
      case 'fatal':
        throw providerError('the upstream refused this input', false);
      case 'plain':
        throw new Error('something unexpected');
      case 'hang':
        return untilAborted(ctx.signal);
      case 'hang-ignore-abort':
        return new Promise(() => {});
      case 'gate':
        await Promise.race([new Promise<void>((r) => gates.set(task.id, r)), untilAborted(ctx.signal)]);
        return done();
      case 'gate-ignore-abort':
        await new Promise<void>((r) => gates.set(task.id, r));
        return { result: { files: [] }, credits: 1 };
      case 'sleep':
        await Promise.race([sleep(input.sleep_ms ?? 0), untilAborted(ctx.signal)]);
        return done();
      case 'burst-then-gate':
        ctx.progress(0.2); // written at once
        await sleep(50);
        ctx.progress(0.4); // inside the throttle interval: held back …
        ctx.progress(0.6); // … and then superseded; nothing else follows
        await Promise.race([new Promise<void>((r) => gates.set(task.id, r)), untilAborted(ctx.signal)]);
        return done();
      case 'progress':
        for (const p of input.reports ?? []) {
          ctx.progress(p);
          await sleep(input.every_ms ?? 0);
        }
        return done();
    }
  },
};

// ---------------------------------------------------------------- the harness

const logs: Array<{ level: string; obj: object; msg?: string }> = [];
const log: Logger = {
  info: (obj, msg) => logs.push({ level: 'info', obj, msg }),
  warn: (obj, msg) => logs.push({ level: 'warn', obj, msg }),
  error: (obj, msg) => logs.push({ level: 'error', obj, msg }),
  debug: () => {},
};

let dir: string;
let store: SqliteStore;
let storage: LocalStorage;
let registry: ModelRegistry;
let tasks: TaskService;
let runtimes: WorkerRuntime[];

const FAST: WorkerOptions = {
  concurrency: 4, leaseMs: 300, heartbeatMs: 50, retryBaseMs: 10, shutdownGraceMs: 100, pollMs: 50, sweepMs: 40,
};

function runtime(opts: Partial<WorkerOptions> = {}): WorkerRuntime {
  const r = new WorkerRuntime(tasks, store, registry, storage, log, { ...FAST, ...opts });
  runtimes.push(r);
  return r;
}

function service(opts: Partial<TaskServiceOptions> = {}): void {
  tasks = new TaskService(store, registry, new EventBus(), log, { maxAttempts: 3, queueTtlS: 3600, ...opts });
}

async function submit(script: Step[], extra: Record<string, unknown> = {}, req: { timeout_s?: number; queue_ttl_s?: number } = {}): Promise<Task> {
  const { task } = await tasks.create(ACCOUNT, { capability: 'voice', action: 'tts', model: 'fake', input: { script, ...extra }, ...req }, 'native');
  return task;
}

const settle = (id: string, ms = 5000): Promise<Task> => tasks.waitForTerminal(ACCOUNT, id, ms);
const events = async (id: string) => (await store.listEvents(id, 0)).map((e) => e.type);
const started = (id: string, count = 1) => vi.waitFor(() => expect(callsOf(id).length).toBeGreaterThanOrEqual(count), { timeout: 3000, interval: 5 });

beforeEach(async () => {
  calls.length = 0;
  gates.clear();
  logs.length = 0;
  runtimes = [];
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genq-worker-'));
  store = new SqliteStore(path.join(dir, 'genq.db'));
  await store.migrate();
  await store.createAccountWithKey({
    account: { id: ACCOUNT, name: 'worker-test', credits_balance: 1_000_000, created_at: Date.now() },
    key: { id: 'key-worker-test', account_id: ACCOUNT, name: 'k', prefix: 'sk_test', rate_limit: null, created_at: Date.now(), revoked_at: null },
    keyHash: 'hash-worker-test', webhookSecret: 'whsec_test',
  });
  storage = new LocalStorage(path.join(dir, 'files'));
  registry = new ModelRegistry([fake]);
  service();
});

afterEach(async () => {
  for (const r of runtimes) await r.stop();
  for (const g of gates.values()) g();
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
  // nothing in a test should make the runtime log an error (a settle that threw, a failed claim)
  expect(logs.filter((l) => l.level === 'error')).toEqual([]);
});

// ---------------------------------------------------------------- the tests

describe('WorkerRuntime', () => {
  it('runs a task to success: file stored, credits charged, lease cleared, events in order', async () => {
    runtime().start();
    const t = await submit(['ok']);
    const done = await settle(t.id);
    expect(done).toMatchObject({
      status: 'succeeded', attempts: 1, progress: 1, provider: 'fake', credits_used: 2, error: null,
      lease_owner: null, lease_token: null, lease_until: null,
    });
    expect(done.started_at).not.toBeNull();
    expect(done.completed_at).toBeGreaterThanOrEqual(done.started_at!);
    const file = done.result!.files[0]!;
    expect(file).toMatchObject({ key: `${ACCOUNT}/${t.id}/out.wav`, format: 'wav', content_type: 'audio/wav', size_bytes: 4, duration_s: 0.1 });
    expect(await storage.size(file.key)).toBe(4);
    expect(await events(t.id)).toEqual(['task.queued', 'task.running', 'task.succeeded']);
    expect(logs.some((l) => l.msg === 'task transition' && (l.obj as { to?: string }).to === 'succeeded')).toBe(true);
  });

  it('retries a retryable error with backoff and then succeeds (attempts 2)', async () => {
    runtime().start();
    const t = await submit(['retryable', 'ok']);
    const done = await settle(t.id);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 2, error: null });
    expect(callsOf(t.id).map((c) => c.attempt)).toEqual([1, 2]);
    expect(await events(t.id)).toEqual(['task.queued', 'task.running', 'task.queued', 'task.running', 'task.succeeded']);
  });

  it('treats a bare Error as retryable', async () => {
    runtime().start();
    const t = await submit(['plain', 'ok']);
    expect(await settle(t.id)).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('fails at once on a fatal error', async () => {
    runtime().start();
    const t = await submit(['fatal']);
    const done = await settle(t.id);
    expect(done).toMatchObject({
      status: 'failed', attempts: 1, credits_used: 0, lease_token: null,
      error: { code: 'PROVIDER_ERROR', type: 'provider', retryable: false, message: 'the upstream refused this input' },
    });
    expect(done.completed_at).not.toBeNull();
    expect(callsOf(t.id)).toHaveLength(1);
  });

  it('fails once retryable errors exhaust max_attempts', async () => {
    runtime().start();
    const t = await submit(['retryable']);
    const done = await settle(t.id);
    expect(done).toMatchObject({ status: 'failed', attempts: 3, max_attempts: 3, error: { code: 'PROVIDER_ERROR', retryable: true } });
    expect(done.error!.message).toContain('attempt 3');
    expect(callsOf(t.id)).toHaveLength(3);
    expect((await events(t.id)).filter((e) => e === 'task.running')).toHaveLength(3);
  });

  it('times out a provider that respects its signal, and one that ignores it', async () => {
    runtime().start();
    const polite = await submit(['hang'], {}, { timeout_s: 0.15 });
    const rude = await submit(['hang-ignore-abort'], {}, { timeout_s: 0.15 });
    for (const t of [polite, rude]) {
      const done = await settle(t.id);
      expect(done).toMatchObject({ status: 'timed_out', attempts: 1, credits_used: 0, error: { code: 'TIMEOUT', type: 'timeout', retryable: false } });
      const [call] = callsOf(t.id);
      expect(call!.signal.aborted).toBe(true);
      expect((call!.signal.reason as AbortedBy).why).toBe('timeout');
    }
    // the slot of the provider that never returns is free again
    await vi.waitFor(() => expect(runtimes[0]!.active).toBe(0), { timeout: 1000, interval: 5 });
  });

  it('cancelling a running task aborts the provider and the task stays cancelled', async () => {
    runtime().start();
    const t = await submit(['hang']);
    await started(t.id);
    const cancelled = await tasks.cancel(ACCOUNT, t.id, 'changed my mind');
    expect(cancelled).toMatchObject({ status: 'cancelled', error: { code: 'CANCELLED', message: 'changed my mind' } });
    const [call] = callsOf(t.id);
    expect(call!.signal.aborted).toBe(true);
    expect((call!.signal.reason as AbortedBy).why).toBe('cancelled');
    await vi.waitFor(() => expect(runtimes[0]!.active).toBe(0), { timeout: 1000, interval: 5 });
    await sleep(100);
    expect((await store.getTask(t.id))!.status).toBe('cancelled');
    expect(await events(t.id)).toEqual(['task.queued', 'task.running', 'task.cancelled']);
  });

  it('a provider that ignores the abort and finishes later cannot overwrite the cancellation', async () => {
    runtime().start();
    const t = await submit(['gate-ignore-abort']);
    await started(t.id);
    await tasks.cancel(ACCOUNT, t.id);
    open(t.id); // the provider now "succeeds"
    await sleep(100);
    const after = (await store.getTask(t.id))!;
    expect(after).toMatchObject({ status: 'cancelled', result: null, credits_used: 0 });
    expect(await events(t.id)).toEqual(['task.queued', 'task.running', 'task.cancelled']);
    expect(callsOf(t.id)).toHaveLength(1);
  });

  it('heartbeats keep a task longer than its lease', async () => {
    runtime({ leaseMs: 200, heartbeatMs: 40 }).start();
    const t = await submit(['sleep'], { sleep_ms: 600 });
    const done = await settle(t.id);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(callsOf(t.id)).toHaveLength(1);
    expect(await events(t.id)).toEqual(['task.queued', 'task.running', 'task.succeeded']);
  });

  it('a dead worker\'s expired lease returns the task to the queue; the dead worker is fenced off', async () => {
    const t = await submit(['gate']);
    // a worker in another process claims the task and then dies: no heartbeats, no outcome
    const now = Date.now();
    const [dead] = await store.claimTasks({ owner: 'dead-worker', limit: 1, now, leaseUntil: now + 150, newToken: () => 'dead-token', models: ['fake'] });
    expect(dead).toMatchObject({ id: t.id, status: 'running', attempts: 1, lease_token: 'dead-token' });

    const r = runtime();
    r.start();
    await started(t.id);
    const running = (await store.getTask(t.id))!;
    expect(running).toMatchObject({ status: 'running', attempts: 2, lease_owner: r.owner });
    expect(running.lease_token).not.toBe('dead-token');
    const evs = await store.listEvents(t.id, 0);
    expect(evs.map((e) => `${e.type}:${e.status}`)).toEqual(['task.queued:queued', 'task.running:running', 'task.queued:queued', 'task.running:running']);

    // the dead worker wakes up and tries to record an outcome with its stale token: rejected
    const stale = transition(dead!, { type: 'succeed', result: { files: [] }, provider: 'fake', creditsUsed: 5 }, Date.now());
    expect(await store.updateTask({ next: stale, expectStatus: 'running', expectLeaseToken: 'dead-token', event: 'task.succeeded' })).toBeNull();
    expect(await store.renewLeases('dead-worker', [t.id], Date.now() + 10_000)).toEqual([]);
    expect((await store.getTask(t.id))!.lease_owner).toBe(r.owner);

    open(t.id);
    const done = await settle(t.id);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 2, credits_used: 2 });
    expect(callsOf(t.id)).toHaveLength(1); // the dead worker's attempt never reached this provider
  });

  it('when another sweeper takes a task back and this worker claims it again, the stale attempt does not orphan the new one', async () => {
    // polls fast and heartbeats slowly, so the re-claim happens before a heartbeat could notice the loss
    const r = runtime({ leaseMs: 400, heartbeatMs: 200, pollMs: 10 });
    r.start();
    const t = await submit(['sleep', 'gate'], { sleep_ms: 150 });
    await started(t.id);
    // another process's sweeper decided this worker's lease was lost (say, after a long GC pause)
    const first = (await store.getTask(t.id))!;
    const requeued = await store.updateTask({
      next: transition(first, { type: 'lease_expired', runAfter: Date.now() }, Date.now()),
      expectStatus: 'running', expectLeaseToken: first.lease_token, event: 'task.queued',
    });
    expect(requeued?.status).toBe('queued');
    // this same worker claims it again while the first attempt is still sleeping: the old attempt is told it lost
    await started(t.id, 2);
    expect((callsOf(t.id)[0]!.signal.reason as AbortedBy).why).toBe('lost');
    // the first attempt ends (its write is fenced off); the second must still be heartbeated and not swept
    await sleep(600);
    expect(callsOf(t.id)).toHaveLength(2);
    expect(r.active).toBe(1);
    expect((await store.getTask(t.id))!).toMatchObject({ status: 'running', attempts: 2, lease_owner: r.owner });
    open(t.id);
    expect(await settle(t.id)).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('a queue deadline expires a task no worker started', async () => {
    const t = await submit(['ok'], {}, { queue_ttl_s: 0.05 });
    await sleep(70);
    await runtime().sweep();
    const done = (await store.getTask(t.id))!;
    expect(done).toMatchObject({ status: 'expired', attempts: 0, started_at: null, error: { code: 'EXPIRED' } });
    expect(callsOf(t.id)).toHaveLength(0);
  });

  it('graceful stop lets short tasks finish and re-queues a hanging one without spending an attempt', async () => {
    const r = runtime({ shutdownGraceMs: 150 });
    r.start();
    const quick = await submit(['sleep'], { sleep_ms: 30 });
    const stuck = await submit(['hang', 'ok']);
    const rude = await submit(['hang-ignore-abort', 'ok']);
    await started(stuck.id);
    await started(rude.id);
    await started(quick.id);
    const t0 = Date.now();
    await r.stop();
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(r.active).toBe(0);

    expect((await store.getTask(quick.id))!).toMatchObject({ status: 'succeeded', attempts: 1 });
    for (const t of [stuck, rude]) {
      const back = (await store.getTask(t.id))!;
      expect(back).toMatchObject({ status: 'queued', attempts: 0, lease_owner: null, lease_token: null, lease_until: null });
      expect((callsOf(t.id)[0]!.signal.reason as AbortedBy).why).toBe('shutdown');
    }
    // a stopped worker claims nothing more
    const later = await submit(['ok']);
    await sleep(80);
    expect((await store.getTask(later.id))!.status).toBe('queued');

    // the next worker runs the handed-back tasks as their first attempt
    runtime().start();
    for (const t of [stuck, rude, later]) expect(await settle(t.id)).toMatchObject({ status: 'succeeded', attempts: 1 });
  });

  it('never runs more tasks at once than its concurrency', async () => {
    runtime({ concurrency: 2 }).start();
    const ts = await Promise.all(Array.from({ length: 5 }, () => submit(['sleep'], { sleep_ms: 40 })));
    let peak = 0;
    const watch = setInterval(() => (peak = Math.max(peak, runtimes[0]!.runningProviders)), 2);
    try {
      for (const t of ts) expect(await settle(t.id)).toMatchObject({ status: 'succeeded' });
    } finally {
      clearInterval(watch);
    }
    expect(peak).toBe(2);
  });

  it('writes progress throttled and monotonic, ignoring backward and non-finite reports', async () => {
    runtime().start();
    // 24 reports 25 ms apart (~600 ms), with backward steps and junk mixed in
    const reports: number[] = [];
    for (let i = 1; i <= 8; i++) reports.push(i / 10, i / 10 - 0.05, Number.NaN);
    const t = await submit(['progress'], { reports, every_ms: 25 });
    await started(t.id);
    const seen: number[] = [];
    const watch = setInterval(() => {
      void store.getTask(t.id).then((x) => x && x.status === 'running' && seen.push(x.progress ?? 0));
    }, 10);
    let done: Task;
    try {
      done = await settle(t.id);
    } finally {
      clearInterval(watch);
    }
    expect(done.status).toBe('succeeded');
    expect(done.progress).toBe(1);

    const progress = (await store.listEvents(t.id, 0)).filter((e) => e.type === 'task.progress').map((e) => e.progress!);
    expect(progress.length).toBeGreaterThanOrEqual(2); // it was written while running …
    expect(progress.length).toBeLessThanOrEqual(12); // … but far fewer times than the 24 reports (~4 when unloaded)
    for (let i = 1; i < progress.length; i++) expect(progress[i]!).toBeGreaterThan(progress[i - 1]!);
    expect(progress.every((p) => p > 0 && p <= 0.8)).toBe(true);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
    expect(Math.max(...seen)).toBeGreaterThan(0);
  });

  it('the latest progress lands even when the provider goes quiet after a burst', async () => {
    runtime().start();
    const t = await submit(['burst-then-gate']);
    await started(t.id);
    await vi.waitFor(async () => expect((await store.getTask(t.id))!.progress).toBe(0.6), { timeout: 1000, interval: 10 });
    open(t.id);
    expect(await settle(t.id)).toMatchObject({ status: 'succeeded', progress: 1 });
  });
});
