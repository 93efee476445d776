/**
 * Nothing accepted is ever lost: `kill -9` of the server with tasks in flight, then a restart on
 * the same data dir, and every task completes (the dead process's leases expire and its tasks
 * go back to the queue). A SIGTERM instead exits cleanly, handing running tasks back at once.
 */
import { afterAll, describe, it, vi } from 'vitest';
import { Api, makeKey, readSse, sleep, start, stopAll, waitFor, type Task } from '../helpers/server.js';

// each file starts real servers and runs the CLI: allow for a slow, busy machine
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

afterAll(stopAll);

async function waitAllTerminal(api: Api, ids: string[], timeoutMs: number): Promise<Task[]> {
  return waitFor(async () => {
    const list = await api.listAll();
    const byId = new Map(list.map((t) => [t.id, t]));
    const mine = ids.map((id) => byId.get(id));
    if (mine.some((t) => t === undefined)) throw new Error(`lost tasks: ${ids.filter((id) => !byId.has(id)).join(', ')}`);
    return mine.every((t) => ['succeeded', 'failed', 'timed_out', 'cancelled', 'expired'].includes(t!.status)) ? (mine as Task[]) : null;
  }, { timeoutMs, intervalMs: 200, what: `${ids.length} tasks to finish` });
}

// the three scenarios use separate servers and mostly wait (sleeps, leases): run them side by side
describe.concurrent('crash safety', { timeout: 90_000 }, () => {
  it('kill -9 with 50 tasks in flight, restart: every task succeeds, none lost, none stuck running', async ({ expect }) => {
    const env = { GENQ_ENABLE_NOOP: '1', GENQ_LEASE_MS: '1500', GENQ_RETRY_BASE_MS: '50', GENQ_CONCURRENCY: '25' };
    const first = await start({ env });
    const key = await makeKey(first.dataDir, { name: 'crash' });
    let api = new Api(first.url, key.key);

    const ids = (await Promise.all(Array.from({ length: 50 }, (_, i) => api.noop({ sleep_ms: 1500 }, { metadata: { i } })))).map((t) => t.id);
    expect(new Set(ids).size).toBe(50);
    const running = await waitFor(async () => {
      const r = await api.get('/v1/tasks?status=running&limit=100');
      return r.body.data.length > 0 ? r.body.data.length : null;
    }, { what: 'some tasks to run' });
    expect(running).toBeGreaterThan(0);
    expect(running).toBeLessThan(50); // concurrency 25: the rest wait in the queue

    first.kill('SIGKILL');
    const gone = await first.exit;
    expect(gone.signal).toBe('SIGKILL');

    const second = await start({ dataDir: first.dataDir, env });
    api = new Api(second.url, key.key);
    // right after the restart, every accepted task is still there
    const after = await api.listAll();
    expect(new Set(after.map((t) => t.id))).toEqual(new Set(ids));

    const done = await waitAllTerminal(api, ids, 30_000);
    for (const t of done) {
      expect(t.status, `${t.id}: ${JSON.stringify(t.error)}`).toBe('succeeded');
      expect(t.attempts).toBeGreaterThanOrEqual(1);
      expect(t.attempts).toBeLessThanOrEqual(2);
    }
    // the tasks that were running at the kill ran again once their lease expired, and only those
    const rerun = done.filter((t) => t.attempts === 2).map((t) => t.id).sort();
    expect(rerun.length).toBeGreaterThan(0);
    const expiredLeases = second.logs
      .filter((l) => l.msg === 'task transition' && l.transition === 'lease_expired')
      .map((l) => String(l.task_id)).sort();
    expect(expiredLeases).toEqual(rerun);
    expect((await api.get('/v1/tasks?status=running,queued')).body.data).toEqual([]);
    await second.stop();
  });

  it('SIGTERM with tasks running exits 0 quickly; after a restart every task completes without a lost attempt', async ({ expect }) => {
    // a long lease: if shutdown did not hand the tasks back, they would sit "running" for 60 s
    const env = { GENQ_ENABLE_NOOP: '1', GENQ_SHUTDOWN_GRACE_MS: '200', GENQ_LEASE_MS: '60000', GENQ_CONCURRENCY: '10' };
    const first = await start({ env });
    const key = await makeKey(first.dataDir, { name: 'graceful' });
    let api = new Api(first.url, key.key);
    // 4 s tasks: still running when the SIGTERM comes, even on a slow machine
    const ids = (await Promise.all(Array.from({ length: 20 }, () => api.noop({ sleep_ms: 4000 })))).map((t) => t.id);
    const running = await waitFor(async () => {
      const r = await api.get('/v1/tasks?status=running&limit=100');
      return r.body.data.length >= 10 ? r.body.data.length : null;
    }, { what: 'the worker to fill up' });

    // clients waiting on a running task must not hold the shutdown open
    const watched: string = (await api.get('/v1/tasks?status=running&limit=1')).body.data[0].id;
    const auth = { authorization: `Bearer ${key.key}` };
    let streamOpen = false;
    const stream = readSse(`${first.url}/v1/tasks/${watched}/events`, auth, { timeoutMs: 30_000, onEvent: () => (streamOpen = true) });
    const longPoll = fetch(`${first.url}/v1/tasks/${watched}`, { headers: { ...auth, prefer: 'wait=60' } })
      .then(async (r) => ({ status: r.status, body: (await r.json()) as Task }));
    await waitFor(() => streamOpen, { what: 'the event stream to open' });
    await sleep(200); // and the long-poll to be waiting

    const t0 = Date.now();
    first.kill('SIGTERM');
    const exit = await Promise.race([first.exit, sleep(20_000).then(() => 'still running 20 s after SIGTERM')]);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - t0).toBeLessThan(5000);
    // the long-poll was answered with the task as it stood, the stream was ended (not cut)
    const polled = await longPoll;
    expect(polled.status).toBe(200);
    expect(polled.body.id).toBe(watched);
    const streamed = await stream;
    expect(streamed.ended).toBe(true);
    expect(streamed.events.map((e) => e.event).slice(0, 2)).toEqual(['task.queued', 'task.running']);
    expect(first.logs.some((l) => typeof l.msg === 'string' && /re-queueing/.test(l.msg))).toBe(true);
    const released = first.logs.filter((l) => l.msg === 'task transition' && l.transition === 'release');
    expect(released.length).toBeGreaterThan(0);
    expect(released.length).toBeLessThanOrEqual(running);
    for (const l of released) expect(l.to).toBe('queued');

    const second = await start({ dataDir: first.dataDir, env: { ...env, GENQ_CONCURRENCY: '20' } });
    api = new Api(second.url, key.key);
    const done = await waitAllTerminal(api, ids, 20_000);
    for (const t of done) {
      expect(t.status).toBe('succeeded');
      // a graceful hand-back does not spend one of the task's attempts
      expect(t.attempts).toBe(1);
    }
    await second.stop();
  });

  it('kill -9 in the middle of a burst of creates: every id that was answered 202 survives and completes', async ({ expect }) => {
    const env = { GENQ_ENABLE_NOOP: '1', GENQ_LEASE_MS: '1500', GENQ_RETRY_BASE_MS: '50' };
    const first = await start({ env });
    const key = await makeKey(first.dataDir, { name: 'burst' });
    let api = new Api(first.url, key.key);
    const accepted: string[] = [];
    let stop = false;
    const client = async () => {
      while (!stop) {
        try {
          const r = await fetch(`${first.url}/v1/tasks`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
            body: JSON.stringify({ capability: 'voice', action: 'tts', model: 'noop', input: { sleep_ms: 100 } }),
          });
          const body = await r.json();
          if (r.status === 202) accepted.push(body.id);
        } catch {
          return; // the server is gone
        }
      }
    };
    const clients = Array.from({ length: 8 }, client);
    await waitFor(() => accepted.length >= 100, { timeoutMs: 30_000, what: '100 accepted creates' });
    first.kill('SIGKILL');
    await first.exit;
    stop = true;
    await Promise.all(clients);

    const second = await start({ dataDir: first.dataDir, env });
    api = new Api(second.url, key.key);
    const stored = new Set((await api.listAll()).map((t) => t.id));
    const lost = accepted.filter((id) => !stored.has(id));
    expect(lost, 'tasks answered 202 but missing after kill -9').toEqual([]);
    const done = await waitAllTerminal(api, [...stored], 30_000);
    expect(done.every((t) => t.status === 'succeeded')).toBe(true);
    await second.stop();
  });
});
