/**
 * The worker runtime seen from outside: retries with backoff, fatal failures, attempts
 * running out, timeouts (also of a provider that ignores its abort signal), queue deadlines,
 * priorities and cancelling a task that is still queued.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loggedTransitions, startWithKey, stopAll, waitFor, type Api, type GenqServer } from '../helpers/server.js';

// each file starts real servers and runs the CLI: allow for a slow, busy machine
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let main: { server: GenqServer; api: Api };
let single: { server: GenqServer; api: Api };

beforeAll(async () => {
  [main, single] = await Promise.all([
    startWithKey({ env: { GENQ_ENABLE_NOOP: '1', GENQ_RETRY_BASE_MS: '50' } }),
    startWithKey({ env: { GENQ_ENABLE_NOOP: '1', GENQ_CONCURRENCY: '1', GENQ_RETRY_BASE_MS: '50' } }),
  ]);
});
afterAll(stopAll);

// independent tasks on one server: run side by side (the timeouts mostly wait)
describe.concurrent('retries, failures and timeouts', () => {
  let server: GenqServer;
  let api: Api;

  beforeAll(() => {
    ({ server, api } = main);
  });

  it('a retryable failure on the first attempt is retried and succeeds on attempt 2', async ({ expect }) => {
    const t = await api.noop({ fail: 'retryable', fail_attempts: 1 });
    const done = await api.waitTerminal(t.id, 10_000);
    expect(done.status).toBe('succeeded');
    expect(done.attempts).toBe(2);
    expect(done.error).toBeNull();
    expect(await loggedTransitions(server, t.id)).toEqual(['queued', 'running', 'queued', 'running', 'succeeded']);
  });

  it('a fatal failure is not retried: failed, PROVIDER_ERROR, attempts 1', async ({ expect }) => {
    const t = await api.noop({ fail: 'fatal' });
    const done = await api.waitTerminal(t.id, 10_000);
    expect(done.status).toBe('failed');
    expect(done.attempts).toBe(1);
    expect(done.error).toMatchObject({ code: 'PROVIDER_ERROR', retryable: false });
    expect(done.error!.message).toMatch(/noop failed/);
    expect(done.credits_used).toBe(0);
    expect(done.result).toBeNull();
  });

  it('a failure that is retryable every time fails after max attempts (3)', async ({ expect }) => {
    const t = await api.noop({ fail: 'retryable' });
    const done = await api.waitTerminal(t.id, 10_000);
    expect(done.status).toBe('failed');
    expect(done.attempts).toBe(3);
    expect(done.max_attempts).toBe(3);
    expect(done.error!.code).toBe('PROVIDER_ERROR');
    expect(await loggedTransitions(server, t.id)).toEqual(['queued', 'running', 'queued', 'running', 'queued', 'running', 'failed']);
  });

  it('timeout_s=1 on a 5 s task → timed_out with TIMEOUT after about a second', async ({ expect }) => {
    const t = await api.noop({ sleep_ms: 5000 }, { timeout_s: 1 });
    expect(t.timeout_s).toBe(1);
    const done = await api.waitTerminal(t.id, 10_000);
    expect(done.status).toBe('timed_out');
    expect(done.error).toMatchObject({ code: 'TIMEOUT', retryable: false });
    expect(done.attempts).toBe(1);
    const ran = Date.parse(done.completed_at!) - Date.parse(done.started_at!);
    expect(ran).toBeGreaterThanOrEqual(900);
    expect(ran).toBeLessThan(3000);
  });

  it('a provider that ignores abort still times out on time, and its late result is discarded', async ({ expect }) => {
    const t = await api.noop({ sleep_ms: 4000, ignore_abort: true, write_file: true }, { timeout_s: 1 });
    const done = await api.waitTerminal(t.id, 10_000);
    expect(done.status).toBe('timed_out');
    expect(done.error!.code).toBe('TIMEOUT');
    const ran = Date.parse(done.completed_at!) - Date.parse(done.started_at!);
    expect(ran).toBeLessThan(3500); // the provider itself takes 4 s
    // after the provider's own 4 s have passed, the task has not changed
    await new Promise((r) => setTimeout(r, 3200));
    const later = await api.task(t.id);
    expect(later.status).toBe('timed_out');
    expect(later.result).toBeNull();
    expect(later.completed_at).toBe(done.completed_at);
  });

  it('progress of a running task is visible on GET', async ({ expect }) => {
    const t = await api.noop({ steps: 4, sleep_ms: 1600 });
    const seen = await waitFor(async () => {
      const cur = await api.task(t.id);
      return cur.status === 'running' && (cur.progress ?? 0) > 0 && (cur.progress ?? 0) < 1 ? cur : null;
    }, { timeoutMs: 5000, intervalMs: 50, what: 'partial progress' });
    expect(seen.progress).toBeGreaterThan(0);
    const done = await api.waitTerminal(t.id);
    expect(done.progress).toBe(1);
  });
});

describe('a single busy worker (GENQ_CONCURRENCY=1)', () => {
  let server: GenqServer;
  let api: Api;
  let blocker: string;

  beforeAll(async () => {
    ({ server, api } = single);
    blocker = (await api.noop({ sleep_ms: 20_000 })).id;
    await waitFor(async () => (await api.task(blocker)).status === 'running', { what: 'blocker to run' });
  });

  it('a task that is not started before queue_ttl_s becomes expired, never having run', async () => {
    const t = await api.noop({}, { queue_ttl_s: 1 });
    expect(t.status).toBe('queued');
    expect(t.expires_at).not.toBeNull();
    const queued = await api.task(t.id);
    expect(queued.status).toBe('queued');
    expect(queued.queue_position).toBe(1);
    const done = await api.waitTerminal(t.id, 5000);
    expect(done.status).toBe('expired');
    expect(done.error!.code).toBe('EXPIRED');
    expect(done.attempts).toBe(0);
    expect(done.started_at).toBeNull();
    // expired within about a second of its deadline
    expect(Date.parse(done.completed_at!) - Date.parse(done.created_at)).toBeLessThan(4500);
  });

  it('a queued task can be cancelled and is never run', async () => {
    const t = await api.noop();
    const r = await api.post(`/v1/tasks/${t.id}/cancel`);
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('cancelled');
    expect(r.body.attempts).toBe(0);
    expect(r.body.started_at).toBeNull();
    expect(await loggedTransitions(server, t.id)).toEqual(['queued', 'cancelled']);
  });

  it('when the worker frees up, higher priority runs first, then in creation order', async () => {
    const low = await api.noop({}, { priority: -5 });
    const mid1 = await api.noop();
    const mid2 = await api.noop();
    const high = await api.noop({}, { priority: 10 });
    expect((await api.task(high.id)).queue_position).toBe(1);
    expect((await api.task(low.id)).queue_position).toBe(4);
    await api.post(`/v1/tasks/${blocker}/cancel`);
    const done = await Promise.all([low, mid1, mid2, high].map((t) => api.waitTerminal(t.id, 10_000)));
    for (const d of done) expect(d.status).toBe('succeeded');
    const ids = [low.id, mid1.id, mid2.id, high.id];
    await Promise.all(ids.map((id) => loggedTransitions(server, id)));
    const claims = server.logs
      .filter((l) => l.msg === 'task transition' && l.transition === 'claim' && ids.includes(l.task_id as string))
      .map((l) => l.task_id);
    expect(claims).toEqual([high.id, mid1.id, mid2.id, low.id]);
  });
});
