/**
 * API keys (Bearer and x-api-key, revocation, stored hashed) and isolation between accounts:
 * another account's task is a 404, never a 403, on every endpoint.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Api, makeKey, readSse, revokeKey, start, stopAll, waitFor, type CreatedKey, type GenqServer, type Task } from '../helpers/server.js';

// each file starts real servers and runs the CLI: allow for a slow, busy machine
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let server: GenqServer;
let a: CreatedKey;
let b: CreatedKey;
let apiA: Api;
let apiB: Api;

let early: CreatedKey;
/**
 * A key revoked while the server has it cached takes up to 5 s to stop working; that scenario
 * starts here and runs in the background while the other tests run, and the last test checks it.
 */
let lateRevocation: Promise<{ before: number; revokedAt: number; refusedAt: number; code: string }>;

beforeAll(async () => {
  server = await start({ env: { GENQ_ENABLE_NOOP: '1' } });
  let late: CreatedKey;
  [a, b, early, late] = await Promise.all(['alice', 'bob', 'revoked-early', 'revoked-late'].map((name) => makeKey(server.dataDir, { name })));
  apiA = new Api(server.url, a.key);
  apiB = new Api(server.url, b.key);
  lateRevocation = (async () => {
    const api = new Api(server.url, late.key);
    const before = (await api.get('/v1/account')).status; // now cached by the server
    await revokeKey(server.dataDir, late.key_id);
    const revokedAt = Date.now();
    const r = await waitFor(async () => {
      const res = await api.get('/v1/account');
      return res.status === 401 ? res : null;
    }, { timeoutMs: 15_000, intervalMs: 200, what: 'revoked key to be refused' });
    return { before, revokedAt, refusedAt: Date.now(), code: r.body.error.code };
  })();
  lateRevocation.catch(() => {}); // awaited by its test; do not crash the file meanwhile
  // revoked before the server ever sees it
  await revokeKey(server.dataDir, early.key_id);
});
afterAll(stopAll);

describe('authentication', () => {
  const anon = () => new Api(server.url, null);

  it('answers 401 UNAUTHORIZED without a key, on every authenticated endpoint', async () => {
    const t = await apiA.noop();
    const calls: Array<[string, string, unknown?]> = [
      ['GET', '/v1/tasks'],
      ['POST', '/v1/tasks', { capability: 'voice', action: 'tts', input: { text: 'hi' } }],
      ['POST', '/v1/tasks/batch', { tasks: [{ capability: 'voice', action: 'tts', input: { text: 'hi' } }] }],
      ['GET', `/v1/tasks/${t.id}`],
      ['POST', `/v1/tasks/${t.id}/cancel`],
      ['GET', `/v1/tasks/${t.id}/events`],
      ['GET', '/v1/voices'],
      ['GET', '/v1/account'],
    ];
    for (const [method, p, body] of calls) {
      const r = await anon().request(method, p, body === undefined ? {} : { body });
      expect(r.status, `${method} ${p}`).toBe(401);
      expect(r.body.error.code, `${method} ${p}`).toBe('UNAUTHORIZED');
      expect(r.body.error.message).toMatch(/Bearer|x-api-key/);
    }
    // nothing was created by the anonymous POSTs
    expect((await apiA.listAll()).map((x) => x.id)).toEqual([t.id]);
  });

  it('rejects unknown, malformed and oddly sent keys', async () => {
    const headersList: Array<Record<string, string>> = [
      { authorization: 'Bearer sk_thisIsNotARealKeyAtAll000000000000' },
      { authorization: `Bearer ${a.key}x` },
      { authorization: `Basic ${Buffer.from(`${a.key}:`).toString('base64')}` },
      { authorization: a.key }, // no scheme
      { authorization: 'Bearer ' },
      { 'x-api-key': 'not-a-key' },
      { 'x-api-key': 'sk_' + 'x'.repeat(5000) },
    ];
    for (const headers of headersList) {
      const r = await anon().get('/v1/account', { headers });
      expect(r.status, JSON.stringify(headers).slice(0, 80)).toBe(401);
      expect(r.body.error.code).toBe('UNAUTHORIZED');
    }
  });

  it('accepts the key as Authorization: Bearer and as x-api-key', async () => {
    const bearer = await anon().get('/v1/account', { headers: { authorization: `Bearer ${a.key}` } });
    expect(bearer.status).toBe(200);
    expect(bearer.body.id).toBe(a.account_id);
    const lower = await anon().get('/v1/account', { headers: { authorization: `bearer ${a.key}` } });
    expect(lower.status).toBe(200);
    const x = await anon().get('/v1/account', { headers: { 'x-api-key': a.key } });
    expect(x.status).toBe(200);
    expect(x.body.id).toBe(a.account_id);
    // x-api-key works for task creation too (CAMB.AI clients send only that header)
    const created = await anon().post('/v1/tasks', { capability: 'voice', action: 'tts', model: 'noop', input: {} }, { headers: { 'x-api-key': b.key } });
    expect(created.status).toBe(202);
    expect((await apiB.task(created.body.id)).id).toBe(created.body.id);
  });

  it('a key revoked before the server ever saw it is refused at once', async () => {
    const r = await new Api(server.url, early.key).get('/v1/account');
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('UNAUTHORIZED');
  });

  it('stores keys hashed: the raw key appears nowhere in the data dir', async () => {
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else files.push(p);
      }
    };
    walk(server.dataDir);
    expect(files.some((f) => f.endsWith('genq.db'))).toBe(true);
    for (const f of files) {
      const bytes = fs.readFileSync(f);
      for (const k of [a.key, b.key]) {
        expect(bytes.includes(Buffer.from(k)), `${k.slice(0, 8)}… in ${f}`).toBe(false);
        // nor the secret part alone
        expect(bytes.includes(Buffer.from(k.slice(10)))).toBe(false);
      }
    }
  });
});

describe('isolation between accounts', () => {
  let task: Task;

  beforeAll(async () => {
    task = await apiA.noop({ sleep_ms: 3000 }, { metadata: { owner: 'alice' } });
  });

  it("B gets 404 TASK_NOT_FOUND (not 403) for A's task on get, long-poll, cancel and events", async () => {
    const calls = [
      () => apiB.get(`/v1/tasks/${task.id}`),
      () => apiB.get(`/v1/tasks/${task.id}`, { headers: { prefer: 'wait=2' } }),
      () => apiB.post(`/v1/tasks/${task.id}/cancel`),
    ];
    for (const call of calls) {
      const t0 = Date.now();
      const r = await call();
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe('TASK_NOT_FOUND');
      // the answer must not leak anything about the task
      expect(r.text).not.toContain('alice');
      expect(Date.now() - t0).toBeLessThan(1900); // a foreign long-poll does not wait its 2 s
    }
    const sse = await readSse(`${server.url}/v1/tasks/${task.id}/events`, { authorization: `Bearer ${b.key}` }, { timeoutMs: 3000 });
    expect(sse.status).toBe(404);
    expect(JSON.parse(sse.body!).error.code).toBe('TASK_NOT_FOUND');
    const replay = await readSse(`${server.url}/v1/tasks/${task.id}/events`, { authorization: `Bearer ${b.key}`, 'last-event-id': '0' }, { timeoutMs: 3000 });
    expect(replay.status).toBe(404);
  });

  it("the 404 for A's task is identical to the 404 for a task that does not exist", async () => {
    const missing = '01a20000-0000-7000-8000-000000000000';
    const mine = await apiB.get(`/v1/tasks/${task.id}`);
    const none = await apiB.get(`/v1/tasks/${missing}`);
    expect(mine.body).toEqual({ error: { ...none.body.error, message: none.body.error.message.replace(missing, task.id) } });
  });

  it("B's cancel did not touch A's task, and A still sees it", async () => {
    const r = await apiA.get(`/v1/tasks/${task.id}`);
    expect(r.status).toBe(200);
    expect(['queued', 'running']).toContain(r.body.status);
    expect(r.body.metadata).toEqual({ owner: 'alice' });
  });

  it("B's list never includes A's tasks, whatever the filter", async () => {
    const mine = await apiB.noop();
    for (const q of ['', 'status=queued,running,succeeded', 'capability=voice']) {
      const ids = (await apiB.listAll(q)).map((t) => t.id);
      expect(ids).not.toContain(task.id);
      expect(ids).toContain(mine.id);
    }
    const idsA = (await apiA.listAll()).map((t) => t.id);
    expect(idsA).toContain(task.id);
    expect(idsA).not.toContain(mine.id);
  });

  it("a cursor made from A's task id does not reveal A's tasks to B", async () => {
    // a cursor is only a position: B's page after it holds B's own tasks only
    const cursor = Buffer.from(`t:ffffffff-ffff-7fff-bfff-ffffffffffff`).toString('base64url');
    const r = await apiB.get(`/v1/tasks?cursor=${cursor}&limit=100`);
    expect(r.status).toBe(200);
    for (const t of r.body.data) expect(t.id).not.toBe(task.id);
  });

  it("B's /v1/account is B's own", async () => {
    const r = await apiB.get('/v1/account');
    expect(r.body.id).toBe(b.account_id);
    expect(r.body.webhook_secret).toBe(b.webhook_secret);
    expect(r.body.webhook_secret).not.toBe(a.webhook_secret);
  });
});

describe('revocation of a key in use', () => {
  it('a key revoked by the CLI while the server has it cached stops working within the 5 s cache window', async () => {
    const { before, revokedAt, refusedAt, code } = await lateRevocation;
    expect(before).toBe(200);
    expect(code).toBe('UNAUTHORIZED');
    expect(refusedAt - revokedAt).toBeLessThan(8000);
    // the other keys are unaffected
    expect((await apiA.get('/v1/account')).status).toBe(200);
  });
});
