/**
 * Webhooks end to end: the real server (dist/cli/main.js) sends to a receiver on loopback that
 * fails, hangs, or accepts as each test scripts it, and every message is checked with the
 * `standardwebhooks` library (and ModelHunter's own recipe where it applies).
 */
import crypto from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { verifyWebhook } from '../../dist/sdk/index.js';
import { Api, cli, makeKey, sleep, start, stopAll, waitFor, type CreatedKey, type GenqServer } from '../helpers/server.js';
import { describePostgres } from '../helpers/postgres.js';
import { makeKeyOn, scratchDir, startProc, stopAllProcs } from './scale-support.js';

// ------------------------------------------------------------------------------ the receiver

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** what the receiver answered: a status, or 'hang' (never answered) */
  answer: number | 'hang';
}

/** per path: what to answer to the n-th request (1-based) of one webhook-id */
type Script = (n: number) => number | 'hang';

class Receiver {
  readonly received: Received[] = [];
  readonly scripts = new Map<string, Script>();
  private readonly perMessage = new Map<string, number>();
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      const key = `${path} ${String(req.headers['webhook-id'])}`;
      const n = (this.perMessage.get(key) ?? 0) + 1;
      this.perMessage.set(key, n);
      const answer = (this.scripts.get(path) ?? (() => 200))(n);
      this.received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), answer });
      if (answer === 'hang') return; // never answers; the connection is cut when the receiver closes
      res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer < 300 ? 'ok' : 'receiver says no');
    });
  });
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    const addr = this.server.address() as { port: number };
    this.url = `http://127.0.0.1:${addr.port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  /** requests whose body names this task (native: data.id; ModelHunter: data.task.id) */
  forTask(taskId: string): Received[] {
    return this.received.filter((r) => {
      try {
        const b = JSON.parse(r.body);
        return (b.data?.id ?? b.data?.task?.id) === taskId;
      } catch {
        return false;
      }
    });
  }

  accepted(taskId: string): Received[] {
    return this.forTask(taskId).filter((r) => typeof r.answer === 'number' && r.answer < 300);
  }
}

const verify = (secret: string, r: Received) =>
  new Webhook(secret).verify(r.body, r.headers as Record<string, string>) as { type: string; data: any };

// ------------------------------------------------------------------------------ servers

const FAST = {
  GENQ_ENABLE_NOOP: 'true', GENQ_ALLOW_PRIVATE_URLS: 'true', GENQ_WEBHOOK_RETRY_BASE_MS: '50', GENQ_WEBHOOK_TIMEOUT_MS: '400',
};

let receiver: Receiver;
let main: GenqServer;
let key: CreatedKey;
let api: Api;
/** retries for 2 s only */
let shortWindow: GenqServer;
/** 30 s deadline, 4 attempts at once */
let patient: GenqServer;
/** without --allow-private-urls */
let strict: GenqServer;

beforeAll(async () => {
  receiver = new Receiver();
  await receiver.start();
  // 500 first, then a hang past the deadline, then accepted
  receiver.scripts.set('/flaky', (n) => (n === 1 ? 500 : n === 2 ? 'hang' : 200));
  receiver.scripts.set('/hang', () => 'hang');
  const readyTimeoutMs = 90_000;
  [main, shortWindow, patient, strict] = await Promise.all([
    start({ env: FAST, readyTimeoutMs }),
    start({ env: { ...FAST, GENQ_WEBHOOK_RETRY_S: '2' }, readyTimeoutMs }),
    start({ env: { ...FAST, GENQ_WEBHOOK_TIMEOUT_MS: '30000', GENQ_WEBHOOK_CONCURRENCY: '4' }, readyTimeoutMs }),
    start({ env: { GENQ_ENABLE_NOOP: 'true' }, readyTimeoutMs }),
  ]);
  key = await makeKey(main.dataDir, { name: 'hooks', credits: 1_000_000 });
  api = new Api(main.url, key.key);
}, 180_000); // four servers start at once: slow on a busy machine

afterAll(async () => {
  await stopAllProcs();
  await stopAll();
  await receiver.close();
});

const noop = (a: Api, input: Record<string, unknown>, webhook?: Record<string, unknown>) =>
  a.noop(input, webhook ? { webhook } : {});

// ------------------------------------------------------------------------------ tests

describe('native webhooks', () => {
  it('deliver every chosen event, signed, at least once, with the same webhook-id on every retry', async () => {
    const hook = { url: `${receiver.url}/flaky` };
    const ok = await Promise.all([
      noop(api, { write_file: true, text: 'file body' }, hook), noop(api, {}, hook), noop(api, { sleep_ms: 50 }, hook),
    ]);
    const failed = await noop(api, { fail: 'fatal' }, hook);
    const slow = await noop(api, { sleep_ms: 30_000 }, hook);
    await waitFor(async () => (await api.task(slow.id)).status === 'running', { what: 'slow task running' });
    expect((await api.post(`/v1/tasks/${slow.id}/cancel`)).status).toBe(200);
    const expected = new Map([...ok.map((t) => [t.id, 'task.succeeded'] as const), [failed.id, 'task.failed'], [slow.id, 'task.cancelled']]);

    for (const [id, event] of expected) {
      await waitFor(() => receiver.accepted(id).length > 0, { timeoutMs: 15_000, what: `${event} of ${id} accepted` });
      const all = receiver.forTask(id);
      // default events: the terminal ones only, so exactly one message per task
      const ids = new Set(all.map((r) => r.headers['webhook-id']));
      expect(ids.size, `one message for ${id}`).toBe(1);
      expect(all.map((r) => r.answer).slice(0, 3)).toEqual([500, 'hang', 200]);
      for (const r of all) {
        const body = verify(key.webhook_secret, r);
        expect(body.type).toBe(event);
        expect(body.data).toMatchObject({ id, object: 'task', status: event.slice('task.'.length) });
        expect(r.headers['content-type']).toBe('application/json');
      }
      const stamps = all.map((r) => Number(r.headers['webhook-timestamp']));
      expect([...stamps].sort((a, b) => a - b)).toEqual(stamps);

      const list = await api.get(`/v1/webhooks/deliveries?task_id=${id}`);
      expect(list.status).toBe(200);
      expect(list.body.data).toHaveLength(1);
      const d = list.body.data[0];
      expect(d).toMatchObject({
        id: [...ids][0], object: 'webhook_delivery', task_id: id, event, format: 'native', url: hook.url, status: 'succeeded',
        attempts: 3, last_status: 200, last_error: null, next_attempt_at: null,
      });
      expect(Date.parse(d.delivered_at)).toBeGreaterThanOrEqual(Date.parse(d.created_at));
      expect((await api.get(`/v1/webhooks/deliveries/${d.id}`)).body).toEqual(d);
    }

    // the file URL in the message was signed at send time and downloads
    const withFile = verify(key.webhook_secret, receiver.accepted(ok[0]!.id)[0]!);
    const file = await fetch(withFile.data.result.files[0].url);
    expect(file.status).toBe(200);
    expect(await file.text()).toBe('file body');
    expect(withFile.data.result.files[0].url.startsWith(main.url)).toBe(true);

    // one structured line per attempt
    const lines = main.logs.filter((l) => l.msg === 'webhook attempt' && l.task_id === failed.id);
    expect(lines.map((l) => l.outcome)).toEqual(['retry', 'retry', 'succeeded']);
    expect(lines[0]).toMatchObject({ status_code: 500, event: 'task.failed', attempt: 1 });
    expect(lines[1]).toMatchObject({ status_code: null, attempt: 2 });
    expect(String(lines[1]!.error)).toMatch(/timeout/);
    expect(lines[2]).toMatchObject({ status_code: 200, attempt: 3 });
    expect(typeof lines[2]!.ms).toBe('number');
  });

  it('honours the events filter: only the events asked for are sent', async () => {
    const events = ['task.running', 'task.succeeded'];
    const ok = await noop(api, { sleep_ms: 200 }, { url: `${receiver.url}/ok`, events });
    const failed = await noop(api, { fail: 'fatal' }, { url: `${receiver.url}/ok`, events });
    await waitFor(() => receiver.accepted(ok.id).some((r) => verify(key.webhook_secret, r).type === 'task.succeeded'), { timeoutMs: 10_000, what: 'task.succeeded' });
    expect((await api.task(failed.id)).status).toBe('failed');
    await sleep(500);
    // task.failed was not asked for: the failed task reports only that it started
    const typesOf = (id: string) => receiver.forTask(id).map((r) => verify(key.webhook_secret, r).type);
    expect(typesOf(failed.id)).toEqual(['task.running']);
    expect(typesOf(ok.id).sort()).toEqual(['task.running', 'task.succeeded']);
    expect((await api.get(`/v1/webhooks/deliveries?task_id=${failed.id}`)).body.data.map((d: { event: string }) => d.event)).toEqual(['task.running']);

    const bad = await api.post('/v1/tasks', { capability: 'voice', action: 'tts', model: 'noop', input: {}, webhook: { url: `${receiver.url}/ok`, events: ['task.done'] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/task\.done/);
  });

  // the claim itself stores this message (store.claimTasks), not TaskService.apply
  it('sends task.running when asked for', async () => {
    const t = await noop(api, { sleep_ms: 300 }, { url: `${receiver.url}/ok`, events: ['task.running'] });
    await waitFor(() => receiver.accepted(t.id).length > 0, { timeoutMs: 3000, what: 'task.running' });
    const body = verify(key.webhook_secret, receiver.accepted(t.id)[0]!);
    expect(body.type).toBe('task.running');
    expect(body.data.status).toBe('running');
  });

  it('lists deliveries newest first with cursor pages, and filters by status', async () => {
    const t = await Promise.all([0, 1, 2].map(() => noop(api, {}, { url: `${receiver.url}/ok` })));
    for (const x of t) await waitFor(() => receiver.accepted(x.id).length > 0, { what: 'accepted' });
    const all: any[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 50; page++) {
      const r: any = await api.get(`/v1/webhooks/deliveries?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status).toBe(200);
      expect(r.body.data.length).toBeLessThanOrEqual(2);
      all.push(...r.body.data);
      if (!r.body.has_more) break;
      cursor = r.body.next_cursor;
    }
    const ids = all.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort().reverse()).toEqual(ids);
    const created = all.map((d) => Date.parse(d.created_at));
    expect([...created].sort((a, b) => b - a)).toEqual(created);
    // the three just made are the newest
    expect(all.slice(0, 3).map((d) => d.task_id).sort()).toEqual(t.map((x) => x.id).sort());

    const succeeded = await api.get('/v1/webhooks/deliveries?status=succeeded&limit=100');
    expect(succeeded.body.data.every((d: any) => d.status === 'succeeded')).toBe(true);
    expect((await api.get('/v1/webhooks/deliveries?status=done')).status).toBe(400);
    expect((await api.get('/v1/webhooks/deliveries?cursor=bogus')).status).toBe(400);
    expect((await api.get('/v1/webhooks/deliveries?limit=0')).status).toBe(400);
    expect((await api.get('/v1/webhooks/deliveries?colour=red')).status).toBe(400);
    expect((await api.get('/v1/webhooks/deliveries/msg_nope')).status).toBe(404);
    expect((await api.get('/v1/webhooks/deliveries/not a message')).body.error.code).toBe('DELIVERY_NOT_FOUND');
  });

  it('keeps deliveries private to their account (404 to everyone else)', async () => {
    const t = await noop(api, {}, { url: `${receiver.url}/ok` });
    await waitFor(() => receiver.accepted(t.id).length > 0, { what: 'accepted' });
    const mine = (await api.get(`/v1/webhooks/deliveries?task_id=${t.id}`)).body.data[0];
    const other = new Api(main.url, (await makeKey(main.dataDir, { name: 'other', credits: 1000 })).key);
    expect((await other.get('/v1/webhooks/deliveries')).body.data).toEqual([]);
    expect((await other.get(`/v1/webhooks/deliveries?task_id=${t.id}`)).body.data).toEqual([]);
    const get = await other.get(`/v1/webhooks/deliveries/${mine.id}`);
    expect(get.status).toBe(404);
    expect(get.body.error.code).toBe('DELIVERY_NOT_FOUND');
    expect((await other.post(`/v1/webhooks/deliveries/${mine.id}/redeliver`)).status).toBe(404);
    expect((await api.get(`/v1/webhooks/deliveries/${mine.id}`)).body.attempts).toBe(1);
    expect((await api.withKey(null).get('/v1/webhooks/deliveries')).status).toBe(401);
  });

  it('signs with both secrets after a rotation, each verifying on its own', async () => {
    const rotor = await makeKey(main.dataDir, { name: 'rotor', credits: 1000 });
    const a = new Api(main.url, rotor.key);
    const r = await cli(['webhooks', 'rotate-secret', '--json', '--url', main.url, '--api-key', rotor.key]);
    expect(r.code, r.stderr).toBe(0);
    const rotated = JSON.parse(r.stdout);
    expect(rotated.object).toBe('webhook_secret');
    expect(rotated.webhook_secret).toMatch(/^whsec_/);
    expect(rotated.webhook_secret).not.toBe(rotor.webhook_secret);
    expect(Date.parse(rotated.previous_valid_until) - Date.now()).toBeGreaterThan(23 * 3600_000);
    expect((await a.get('/v1/account')).body.webhook_secret).toBe(rotated.webhook_secret);

    const t = await noop(a, {}, { url: `${receiver.url}/ok` });
    await waitFor(() => receiver.accepted(t.id).length > 0, { what: 'accepted' });
    const msg = receiver.accepted(t.id)[0]!;
    expect(String(msg.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verify(rotated.webhook_secret, msg).type).toBe('task.succeeded');
    expect(verify(rotor.webhook_secret, msg).type).toBe('task.succeeded');
    expect(() => verify(key.webhook_secret, msg)).toThrow();
    // the SDK's verifier (WebCrypto) agrees
    for (const secret of [rotated.webhook_secret, rotor.webhook_secret]) {
      expect((await verifyWebhook(secret, msg.headers as Record<string, string>, msg.body)).data.id).toBe(t.id);
    }
    await expect(verifyWebhook(key.webhook_secret, msg.headers as Record<string, string>, msg.body)).rejects.toThrow();

    // rotating again: the secret of the first rotation is now the previous one; the original no longer signs
    const again = (await a.post('/v1/account/webhook-secret/rotate')).body;
    const t2 = await noop(a, {}, { url: `${receiver.url}/ok` });
    await waitFor(() => receiver.accepted(t2.id).length > 0, { what: 'accepted' });
    const msg2 = receiver.accepted(t2.id)[0]!;
    expect(verify(again.webhook_secret, msg2)).toBeTruthy();
    expect(verify(rotated.webhook_secret, msg2)).toBeTruthy();
    expect(() => verify(rotor.webhook_secret, msg2)).toThrow();
  });
});

describe('ModelHunter webhooks', () => {
  it('send the vendor body, its X-Webhook-Signature recipe and headers, and the standard headers', async () => {
    const created = await api.post('/modelhunter/api/v1/genq/text-to-speech', { model: 'noop', input: { write_file: true }, webhookUrl: `${receiver.url}/mh`, metadata: { order: 'A1' } });
    expect(created.status).toBe(202);
    const failed = await api.post('/modelhunter/api/v1/genq/text-to-speech', { model: 'noop', input: { fail: 'fatal' }, webhookUrl: `${receiver.url}/mh` });
    expect(failed.status).toBe(202);
    for (const [id, type, status] of [[created.body.data.id, 'task.completed', 'succeeded'], [failed.body.data.id, 'task.failed', 'failed']] as const) {
      await waitFor(() => receiver.accepted(id).length > 0, { timeoutMs: 10_000, what: `ModelHunter ${type}` });
      const r = receiver.accepted(id)[0]!;
      const h = r.headers;
      const body = JSON.parse(r.body);
      expect(body).toMatchObject({ id: h['webhook-id'], type, data: { task: { id, status, model: 'noop' } } });
      expect(Date.parse(body.created_at)).toBeGreaterThan(0);
      expect(h['x-webhook-id']).toBe(h['webhook-id']);
      expect(h['x-webhook-timestamp']).toBe(h['webhook-timestamp']);
      expect(h['x-webhook-event']).toBe(type);
      expect(h['x-job-id']).toBe(id);
      // the vendor's documented recipe, with the secret string as shown (whsec_ prefix included)
      const mac = crypto.createHmac('sha256', key.webhook_secret).update(`${h['x-webhook-timestamp']}.${r.body}`).digest('hex');
      expect(h['x-webhook-signature']).toBe(`sha256=${mac}`);
      expect(Math.abs(Number(h['x-webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(300);
      expect(verify(key.webhook_secret, r).type).toBe(type);
      if (status === 'succeeded') {
        expect(body.data.task.metadata).toEqual({ order: 'A1' });
        expect((await fetch(body.data.task.result[0].url)).status).toBe(200);
      } else {
        expect(body.data.task.error.code).toBeTruthy();
      }
    }
    const d = (await api.get(`/v1/webhooks/deliveries?task_id=${created.body.data.id}`)).body.data[0];
    expect(d).toMatchObject({ format: 'modelhunter', event: 'task.succeeded', status: 'succeeded' });
  });
});

describe('dead letters and redelivery', () => {
  it('a message that keeps failing goes dead, is listed as such, and redelivers once the receiver is fixed', async () => {
    const server = shortWindow;
    const k = await makeKey(server.dataDir, { name: 'dead', credits: 1000 });
    const a = new Api(server.url, k.key);
    let broken = true;
    receiver.scripts.set('/down', () => (broken ? 500 : 200));
    const t = await noop(a, {}, { url: `${receiver.url}/down` });
    const dead = await waitFor(async () => (await a.get(`/v1/webhooks/deliveries?status=dead&task_id=${t.id}`)).body.data[0], { timeoutMs: 15_000, what: 'dead letter' });
    expect(dead).toMatchObject({ status: 'dead', last_status: 500, next_attempt_at: null, delivered_at: null });
    expect(dead.last_error).toMatch(/^HTTP 500/);
    expect(dead.attempts).toBeGreaterThan(2);
    expect(Date.parse(dead.retry_until) - Date.parse(dead.created_at)).toBe(2000);
    expect(receiver.forTask(t.id)).toHaveLength(dead.attempts);

    const listed = await cli(['webhooks', 'deliveries', '--status', 'dead', '--json', '--url', server.url, '--api-key', k.key]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout).data.map((d: any) => d.id)).toEqual([dead.id]);
    const table = await cli(['webhooks', 'deliveries', '--status', 'dead', '--url', server.url, '--api-key', k.key]);
    expect(table.stdout).toContain(dead.id);

    broken = false;
    const before = Date.now();
    const r = await cli(['webhooks', 'redeliver', dead.id, '--json', '--url', server.url, '--api-key', k.key]);
    expect(r.code, r.stderr).toBe(0);
    const redelivered = JSON.parse(r.stdout);
    expect(redelivered).toMatchObject({ id: dead.id, status: 'pending' });
    expect(Date.parse(redelivered.retry_until)).toBeGreaterThanOrEqual(before + 2000 - 5);
    const done = await waitFor(async () => {
      const d = (await a.get(`/v1/webhooks/deliveries/${dead.id}`)).body;
      return d.status === 'succeeded' ? d : null;
    }, { timeoutMs: 10_000, what: 'redelivered' });
    expect(done).toMatchObject({ last_status: 200, last_error: null });
    const last = receiver.accepted(t.id);
    expect(last).toHaveLength(1);
    expect(last[0]!.headers['webhook-id']).toBe(dead.id);
    expect(verify(k.webhook_secret, last[0]!).type).toBe('task.succeeded');
    await server.stop();
  });
});

describe('isolation from slow receivers', () => {
  it('a receiver that never answers does not slow other tasks', async () => {
    const server = patient;
    const k = await makeKey(server.dataDir, { name: 'slow', credits: 100_000 });
    const a = new Api(server.url, k.key);
    const hanging = await Promise.all(Array.from({ length: 8 }, () => noop(a, {}, { url: `${receiver.url}/hang` })));
    const held = () => receiver.received.filter((r) => r.answer === 'hang' && hanging.some((t) => r.body.includes(t.id))).length;
    await waitFor(() => held() === 4, { timeoutMs: 10_000, what: 'every delivery slot held by the silent receiver' });

    const more = await Promise.all(Array.from({ length: 40 }, (_, i) => noop(a, { sleep_ms: 5 }, i % 2 ? { url: `${receiver.url}/hang` } : undefined)));
    for (const t of more) expect((await a.waitTerminal(t.id, 25_000)).status).toBe('succeeded');
    // every task finished while the first four attempts were still waiting on the silent
    // receiver (their 30 s deadline has not passed: no attempt has ended), bounded by the concurrency
    expect(held()).toBe(4);
    expect(server.logs.filter((l) => l.msg === 'webhook attempt')).toEqual([]);
    const pending = await a.get('/v1/webhooks/deliveries?status=pending&limit=100');
    expect(pending.body.data.length).toBe(8 + 20);
    // and the process still stops promptly, abandoning the attempts in flight
    const stopAt = Date.now();
    const exit = await server.stop(25_000);
    expect(exit.code).toBe(0);
    // well before the 30 s deadline of the attempts it abandoned
    expect(Date.now() - stopAt).toBeLessThan(20_000);
  });
});

describe('private webhook URLs', () => {
  it('are refused at create unless the operator allows them', async () => {
    const server = strict;
    const k = await makeKey(server.dataDir, { name: 'strict', credits: 1000 });
    const a = new Api(server.url, k.key);
    for (const url of [`${receiver.url}/ok`, 'http://localhost:9/x', 'http://[::1]:9/x', 'http://10.1.2.3/x', 'http://169.254.169.254/latest']) {
      const r = await a.post('/v1/tasks', { capability: 'voice', action: 'tts', model: 'noop', input: {}, webhook: { url } });
      expect(r.status, url).toBe(400);
      expect(r.body.error.message, url).toMatch(/private|local/);
    }
    const mh = await a.post('/modelhunter/api/v1/genq/text-to-speech', { model: 'noop', input: {}, webhookUrl: `${receiver.url}/ok` });
    expect(mh.status).toBe(400);
    expect(mh.body.success).toBe(false);
    expect((await a.get('/v1/tasks')).body.data).toEqual([]);
    await server.stop();
  });
});

await describePostgres('webhooks on PostgreSQL, an api and a worker process', (db) => {
  it('every message goes out once, from whichever process claims it, and both list it', async () => {
    const env = { ...FAST, GENQ_DATABASE: db().url, GENQ_PUBLIC_URL: 'http://files.example' };
    const dataDir = scratchDir();
    const [apiProc, workerProc] = await Promise.all([startProc('api', dataDir, env, 90_000), startProc('worker', dataDir, env, 90_000)]);
    const { key: k } = await makeKeyOn(db().url);
    const other = JSON.parse((await cli(['keys', 'create', '--name', 'pg2', '--credits', '1000', '--json', '--database', db().url])).stdout);
    const a = new Api(apiProc.url!, k);
    const b = new Api(apiProc.url!, other.key);
    // terminal messages are written by the worker process; redeliveries by the api process
    const tasks = await Promise.all(Array.from({ length: 12 }, (_, i) => noop(i % 2 ? a : b, { sleep_ms: 20 }, { url: `${receiver.url}/pg` })));
    for (const t of tasks) await waitFor(() => receiver.accepted(t.id).length > 0, { timeoutMs: 20_000, what: `delivery of ${t.id}` });
    await sleep(300);
    for (const t of tasks) expect(receiver.forTask(t.id), t.id).toHaveLength(1);
    const mine = (await a.get('/v1/webhooks/deliveries?limit=100')).body.data;
    expect(mine).toHaveLength(6);
    expect(mine.every((d: any) => d.status === 'succeeded' && d.attempts === 1 && d.last_status === 200)).toBe(true);
    const first = mine[mine.length - 1];
    expect((await b.get(`/v1/webhooks/deliveries/${first.id}`)).status).toBe(404);
    // a redelivery through the api process goes out again, with the same id
    expect((await a.post(`/v1/webhooks/deliveries/${first.id}/redeliver`)).status).toBe(200);
    await waitFor(() => receiver.accepted(first.task_id).length === 2, { timeoutMs: 10_000, what: 'redelivery' });
    const again = receiver.accepted(first.task_id);
    expect(again.map((r) => r.headers['webhook-id'])).toEqual([first.id, first.id]);
    const secret = (await a.get('/v1/account')).body.webhook_secret;
    for (const r of again) expect(verify(secret, r).data.id).toBe(first.task_id);
    const attemptLines = [...apiProc.logs, ...workerProc.logs].filter((l) => l.msg === 'webhook attempt');
    expect(attemptLines).toHaveLength(13);

    // task.running is stored by the worker's claim statement (store/postgres/claim.ts)
    const started = await noop(a, { sleep_ms: 200 }, { url: `${receiver.url}/pg`, events: ['task.running', 'task.succeeded'] });
    await waitFor(() => receiver.accepted(started.id).length === 2, { timeoutMs: 20_000, what: 'task.running and task.succeeded' });
    const got = receiver.accepted(started.id).map((r) => ({ id: r.headers['webhook-id'], body: verify(secret, r) }));
    const [running, succeeded] = ['task.running', 'task.succeeded'].map((type) => got.find((m) => m.body.type === type));
    expect(running!.body).toMatchObject({ type: 'task.running', data: { id: started.id, status: 'running' } });
    expect(succeeded!.body).toMatchObject({ type: 'task.succeeded', data: { id: started.id, status: 'succeeded' } });
    // ids are time-ordered like those the core makes, so the listing (newest first) names succeeded first
    expect(running!.id).toMatch(/^msg_[0-9a-f]{32}$/);
    const listed = (await a.get(`/v1/webhooks/deliveries?task_id=${started.id}`)).body.data;
    expect(listed.map((d: any) => [d.id, d.event])).toEqual([[succeeded!.id, 'task.succeeded'], [running!.id, 'task.running']]);
  }, 120_000);
});
