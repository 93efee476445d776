/**
 * Batches, list pagination and filters, cancellation, and the SSE event stream, all with the
 * noop model on one shared server. Each group uses its own account so counts are exact.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  Api, makeKey, readSse, sleep, start, stopAll, loggedTransitions, waitFor,
  type ApiResponse, type GenqServer, type SseEvent, type Task,
} from '../helpers/server.js';

// each file starts real servers and runs the CLI: allow for a slow, busy machine
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let server: GenqServer;
let keys: string[];
const account = (i: number) => new Api(server.url, keys[i]!);

beforeAll(async () => {
  server = await start({ env: { GENQ_ENABLE_NOOP: '1', GENQ_RETRY_BASE_MS: '50' } });
  keys = (await Promise.all([0, 1, 2, 3].map((i) => makeKey(server.dataDir, { name: `tasks-${i}` })))).map((k) => k.key);
});
afterAll(stopAll);

const noop = (input: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  capability: 'voice', action: 'tts', model: 'noop', input, ...extra,
});

describe('batch', () => {
  it('1000 valid tasks in one request → 202 with 1000 distinct ids in order, and all of them complete', async () => {
    const api = account(0);
    const tasks = Array.from({ length: 1000 }, (_, i) => noop({}, { metadata: { i } }));
    const r = await api.post('/v1/tasks/batch', { tasks });
    expect(r.status).toBe(202);
    expect(r.body.data).toHaveLength(1000);
    const ids: string[] = r.body.data.map((t: Task) => t.id);
    expect(new Set(ids).size).toBe(1000);
    // the answer keeps the request's order
    r.body.data.forEach((t: Task, i: number) => {
      expect(t.metadata).toEqual({ i });
      expect(['queued', 'running', 'succeeded']).toContain(t.status);
    });

    const all = await waitFor(async () => {
      const list = await api.listAll();
      return list.length === 1000 && list.every((t) => t.status === 'succeeded') ? list : null;
    }, { timeoutMs: 30_000, intervalMs: 250, what: '1000 batch tasks to succeed' });
    expect(new Set(all.map((t) => t.id))).toEqual(new Set(ids));
    for (const t of all) expect(t.attempts).toBe(1);
  });
});

describe('list pagination and filters', () => {
  const created: Task[] = [];

  beforeAll(async () => {
    const api = account(1);
    // one by one, so creation order is unambiguous; every fifth one fails on purpose
    for (let i = 0; i < 25; i++) created.push(await api.noop(i % 5 === 0 ? { fail: 'fatal' } : {}, { metadata: { i } }));
    await waitFor(async () => (await api.get('/v1/tasks?status=queued,running&limit=1')).body.data.length === 0, {
      timeoutMs: 10_000, what: '25 tasks to finish',
    });
  });

  it('pages of 10 via next_cursor give all 25, newest first, no repeats, has_more false at the end', async () => {
    const api = account(1);
    const pages: Task[][] = [];
    let cursor: string | null = null;
    for (;;) {
      const r: ApiResponse = await api.get(`/v1/tasks?limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(r.status).toBe(200);
      pages.push(r.body.data);
      if (!r.body.has_more) {
        expect(r.body.next_cursor).toBeNull();
        break;
      }
      expect(typeof r.body.next_cursor).toBe('string');
      cursor = r.body.next_cursor;
      expect(pages.length).toBeLessThan(10);
    }
    expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
    const ids = pages.flat().map((t) => t.id);
    expect(new Set(ids).size).toBe(25);
    expect(ids).toEqual(created.map((t) => t.id).reverse());
  });

  it('the default page is 20 and limit=100 returns everything', async () => {
    const api = account(1);
    const def = await api.get('/v1/tasks');
    expect(def.body.data).toHaveLength(20);
    expect(def.body.has_more).toBe(true);
    const max = await api.get('/v1/tasks?limit=100');
    expect(max.body.data).toHaveLength(25);
    expect(max.body.has_more).toBe(false);
  });

  it('a page stays stable when new tasks arrive meanwhile', async () => {
    const api = account(1);
    const first = await api.get('/v1/tasks?limit=10');
    const extra = await api.noop();
    const second = await api.get(`/v1/tasks?limit=10&cursor=${first.body.next_cursor}`);
    expect(second.body.data.map((t: Task) => t.id)).toEqual(created.slice(5, 15).map((t) => t.id).reverse());
    expect(second.body.data.map((t: Task) => t.id)).not.toContain(extra.id);
    await api.waitTerminal(extra.id);
    created.push(extra);
  });

  it('status filter returns exactly the tasks in those states, paginated too', async () => {
    const api = account(1);
    const failedIds = created.filter((_, i) => i % 5 === 0 && i < 25).map((t) => t.id).reverse();
    const failed = await api.get('/v1/tasks?status=failed&limit=100');
    expect(failed.status).toBe(200);
    expect(failed.body.data.map((t: Task) => t.id)).toEqual(failedIds);
    for (const t of failed.body.data) expect(t.error.code).toBe('PROVIDER_ERROR');

    const succeeded = await api.listAll('status=succeeded');
    expect(succeeded).toHaveLength(created.length - failedIds.length);
    expect(succeeded.every((t) => t.status === 'succeeded')).toBe(true);

    const both = await api.listAll('status=succeeded,failed');
    expect(both).toHaveLength(created.length);

    // pagination with a filter: 2 per page over the 5 failed ones
    const p1 = await api.get('/v1/tasks?status=failed&limit=2');
    const p2 = await api.get(`/v1/tasks?status=failed&limit=2&cursor=${p1.body.next_cursor}`);
    const p3 = await api.get(`/v1/tasks?status=failed&limit=2&cursor=${p2.body.next_cursor}`);
    expect([...p1.body.data, ...p2.body.data, ...p3.body.data].map((t: Task) => t.id)).toEqual(failedIds);
    expect(p3.body.has_more).toBe(false);

    expect((await api.get('/v1/tasks?status=running')).body.data).toEqual([]);
  });

  it('capability filter', async () => {
    const api = account(1);
    expect(await api.listAll('capability=voice')).toHaveLength(created.length);
    const image = await api.get('/v1/tasks?capability=image');
    expect(image.status).toBe(200);
    expect(image.body.data).toEqual([]);
  });
});

describe.concurrent('cancel', () => {
  it('a running task → cancelled at once, and it stays cancelled after the provider would have finished', async ({ expect }) => {
    const api = account(2);
    // ignore_abort: the provider keeps going after the cancel and "finishes" 2.5 s later
    const t = await api.noop({ sleep_ms: 2500, ignore_abort: true });
    await waitFor(async () => (await api.task(t.id)).status === 'running', { what: 'task to run' });
    const r = await api.post(`/v1/tasks/${t.id}/cancel`);
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('cancelled');
    expect(r.body.error.code).toBe('CANCELLED');
    expect(r.body.completed_at).not.toBeNull();

    // a long-poll returns the terminal state at once
    const t0 = Date.now();
    expect((await api.get(`/v1/tasks/${t.id}`, { headers: { prefer: 'wait=10' } })).body.status).toBe('cancelled');
    expect(Date.now() - t0).toBeLessThan(5000); // not the 10 s asked for

    await sleep(3000);
    const after = await api.task(t.id);
    expect(after.status).toBe('cancelled');
    expect(after.result).toBeNull();
    expect(after.completed_at).toBe(r.body.completed_at);
    expect(await loggedTransitions(server, t.id)).toEqual(['queued', 'running', 'cancelled']);
  });

  it('a running task that honours abort is cancelled and the worker slot is freed', async ({ expect }) => {
    const api = account(2);
    const t = await api.noop({ sleep_ms: 5000 });
    await waitFor(async () => (await api.task(t.id)).status === 'running', { what: 'task to run' });
    const r = await api.post(`/v1/tasks/${t.id}/cancel`);
    expect(r.body.status).toBe('cancelled');
    await sleep(300);
    expect((await api.task(t.id)).status).toBe('cancelled');
  });

  it('cancel twice → the second answers 409 TASK_FINISHED', async ({ expect }) => {
    const api = account(2);
    const t = await api.noop({ sleep_ms: 5000 });
    expect((await api.post(`/v1/tasks/${t.id}/cancel`)).status).toBe(200);
    const again = await api.post(`/v1/tasks/${t.id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('TASK_FINISHED');
  });

  it('cancel of a failed task → 409 TASK_FINISHED, the failure is kept', async ({ expect }) => {
    const api = account(2);
    const t = await api.noop({ fail: 'fatal' });
    expect((await api.waitTerminal(t.id)).status).toBe('failed');
    const r = await api.post(`/v1/tasks/${t.id}/cancel`);
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('TASK_FINISHED');
    const after = await api.task(t.id);
    expect(after.status).toBe('failed');
    expect(after.error!.code).toBe('PROVIDER_ERROR');
  });
});

describe.concurrent('Server-Sent Events', () => {
  const parse = (events: SseEvent[]) => events.map((e) => ({ ...e, json: JSON.parse(e.data) }));

  it('streams running, increasing progress and succeeded in order, then closes by itself; Last-Event-ID resumes', async ({ expect }) => {
    const api = account(3);
    const t = await api.noop({ steps: 5, sleep_ms: 1000 });
    const headers = { authorization: `Bearer ${keys[3]}` };
    const url = `${server.url}/v1/tasks/${t.id}/events`;
    const t0 = Date.now();
    const live = await readSse(url, headers, { timeoutMs: 10_000 });
    expect(live.status).toBe(200);
    expect(live.contentType).toMatch(/^text\/event-stream/);
    expect(live.ended, 'the stream closes by itself after the terminal event').toBe(true);
    expect(Date.now() - t0).toBeLessThan(8000);

    const events = parse(live.events);
    const types = events.map((e) => e.event);
    expect(types[0]).toBe('task.queued');
    expect(types[1]).toBe('task.running');
    expect(types[types.length - 1]).toBe('task.succeeded');
    const progress = events.filter((e) => e.event === 'task.progress');
    expect(progress.length).toBeGreaterThanOrEqual(2);
    const values = progress.map((e) => e.json.progress as number);
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThan(values[i - 1]!);
    expect(values[values.length - 1]).toBe(1);
    expect(types.filter((x) => x === 'task.succeeded')).toHaveLength(1);
    expect(types.slice(2, -1).every((x) => x === 'task.progress')).toBe(true);

    // ids are increasing integers and match the seq in the payload; every event carries the task
    const seqs = events.map((e) => Number(e.id));
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]!);
    for (const e of events) {
      expect(e.json.seq).toBe(Number(e.id));
      expect(e.json.type).toBe(e.event);
      expect(e.json.task.id).toBe(t.id);
    }
    expect(events[events.length - 1]!.json.status).toBe('succeeded');

    // reconnect after the 2nd event: only the later ones are replayed, then the stream closes
    const resumed = await readSse(url, { ...headers, 'last-event-id': events[1]!.id! }, { timeoutMs: 5000 });
    expect(resumed.ended).toBe(true);
    expect(resumed.events.map((e) => e.id)).toEqual(events.slice(2).map((e) => e.id));
    expect(resumed.events.map((e) => e.event)).toEqual(types.slice(2));

    // and after the last one: nothing to replay, the stream still closes (the task is finished)
    const none = await readSse(url, { ...headers, 'last-event-id': events[events.length - 1]!.id! }, { timeoutMs: 3000 });
    expect(none.events).toEqual([]);
    expect(none.ended, 'a stream for a finished task with nothing left to send must close').toBe(true);
  });

  it('a client that connects while the task runs replays the past and follows live', async ({ expect }) => {
    const api = account(3);
    const t = await api.noop({ steps: 4, sleep_ms: 1200 });
    await waitFor(async () => ((await api.task(t.id)).progress ?? 0) >= 0.25, { what: 'first progress' });
    const got = await readSse(`${server.url}/v1/tasks/${t.id}/events`, { 'x-api-key': keys[3]! }, { timeoutMs: 8000 });
    expect(got.ended).toBe(true);
    const types = got.events.map((e) => e.event);
    expect(types.slice(0, 2)).toEqual(['task.queued', 'task.running']);
    expect(types[types.length - 1]).toBe('task.succeeded');
  });

  it('a cancelled task ends its stream with task.cancelled', async ({ expect }) => {
    const api = account(3);
    const t = await api.noop({ sleep_ms: 5000 });
    const stream = readSse(`${server.url}/v1/tasks/${t.id}/events`, { authorization: `Bearer ${keys[3]}` }, { timeoutMs: 8000 });
    await waitFor(async () => (await api.task(t.id)).status === 'running', { what: 'task to run' });
    await api.post(`/v1/tasks/${t.id}/cancel`);
    const got = await stream;
    expect(got.ended).toBe(true);
    expect(got.events.map((e) => e.event)).toEqual(['task.queued', 'task.running', 'task.cancelled']);
  });
});
