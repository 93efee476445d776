/**
 * Retries: 429/503 with Retry-After (seconds or an HTTP date), broken connections, and the
 * rule that a create is repeated only under an Idempotency-Key. genq has no rate limiter yet,
 * so a loopback proxy in front of the real server plays the part.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Genq, GenqApiError, GenqConnectionError } from '../../dist/sdk/index.js';
import { freePort, makeKey, start, stopAll, type GenqServer } from '../helpers/server.js';
import { startProxy, type Decision, type Proxy, type Seen } from './proxy.js';

let server: GenqServer;
let key: string;
const proxies: Proxy[] = [];

beforeAll(async () => {
  server = await start({ env: { GENQ_ENABLE_NOOP: '1' } });
  key = (await makeKey(server.dataDir, { name: 'retries', credits: 1000 })).key;
});

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await stopAll();
});

const RATE_LIMITED = JSON.stringify({ error: { code: 'RATE_LIMITED', message: 'Too many requests', type: 'rate_limited' } });
const noop = { capability: 'voice', action: 'tts', model: 'noop', input: {} } as const;

async function via(decide: (req: Seen, i: number) => Decision, opts: ConstructorParameters<typeof Genq>[0] = {}) {
  const proxy = await startProxy(server.url, decide);
  proxies.push(proxy);
  return { proxy, genq: new Genq({ baseUrl: proxy.url, apiKey: key, retryBaseMs: 50, ...opts }) };
}

/** tasks of the account as genq itself sees them */
async function taskCount(): Promise<number> {
  const direct = new Genq({ baseUrl: server.url, apiKey: key });
  let n = 0;
  for await (const _ of direct.tasks.list({ limit: 100 }).items()) n++;
  return n;
}

describe('429 and 503', () => {
  it('waits out Retry-After in seconds, then succeeds', async () => {
    const { proxy, genq } = await via((_r, i) => (i === 0 ? { kind: 'answer', status: 429, headers: { 'retry-after': '1' }, body: RATE_LIMITED } : { kind: 'forward' }));
    const started = Date.now();
    const account = await genq.account.get();
    expect(account.object).toBe('account');
    expect(proxy.seen).toHaveLength(2);
    expect(proxy.seen[1]!.at - proxy.seen[0]!.at).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('waits out Retry-After as an HTTP date', async () => {
    const { proxy, genq } = await via((_r, i) => (i === 0
      ? { kind: 'answer', status: 503, headers: { 'retry-after': new Date(Date.now() + 2000).toUTCString() }, body: '' }
      : { kind: 'forward' }));
    await genq.voices.list();
    expect(proxy.seen).toHaveLength(2);
    // HTTP dates have whole seconds: somewhere between 1 and 2 s
    expect(proxy.seen[1]!.at - proxy.seen[0]!.at).toBeGreaterThanOrEqual(900);
  });

  it('backs off without Retry-After and gives up after maxRetries with the API error', async () => {
    const { proxy, genq } = await via(() => ({ kind: 'answer', status: 429, body: RATE_LIMITED }), { maxRetries: 2 });
    const err = await genq.account.get().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GenqApiError);
    expect(err).toMatchObject({ status: 429, code: 'RATE_LIMITED', type: 'rate_limited', retryAfterMs: null });
    expect(proxy.seen).toHaveLength(3);
  });

  it('does not sleep through a Retry-After longer than maxRetryAfterMs', async () => {
    const { proxy, genq } = await via(() => ({ kind: 'answer', status: 429, headers: { 'retry-after': '3600' }, body: RATE_LIMITED }));
    const err = await genq.account.get().catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 429, retryAfterMs: 3_600_000 });
    expect(proxy.seen).toHaveLength(1);
  });

  it('retries a create: its generated Idempotency-Key is the same on every attempt', async () => {
    const before = await taskCount();
    const { proxy, genq } = await via((r, i) => (r.method === 'POST' && i < 2 ? { kind: 'answer', status: 429, headers: { 'retry-after': '0' }, body: RATE_LIMITED } : { kind: 'forward' }));
    const t = await genq.tasks.create(noop);
    const posts = proxy.seen.filter((s) => s.method === 'POST');
    expect(posts).toHaveLength(3);
    expect(new Set(posts.map((p) => p.headers['idempotency-key'])).size).toBe(1);
    expect(t.idempotency_key).toBe(posts[0]!.headers['idempotency-key']);
    expect(await taskCount()).toBe(before + 1);
  });

  it('never repeats a create that has no Idempotency-Key', async () => {
    const { proxy, genq } = await via(() => ({ kind: 'answer', status: 429, headers: { 'retry-after': '0' }, body: RATE_LIMITED }));
    const err = await genq.tasks.create(noop, { idempotencyKey: false }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 429 });
    expect(proxy.seen).toHaveLength(1);
    expect(proxy.seen[0]!.headers['idempotency-key']).toBeUndefined();
  });

  it('does not retry other errors', async () => {
    const { proxy, genq } = await via(() => ({ kind: 'answer', status: 500, body: '<html>oops</html>' }));
    const err = await genq.account.get().catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 500, code: 'HTTP_500', message: '<html>oops</html>' });
    expect(proxy.seen).toHaveLength(1);
  });
});

describe('broken connections', () => {
  it('a create whose answer was lost is retried and returns the one task genq made', async () => {
    const before = await taskCount();
    // genq receives and performs the first POST; the answer never reaches the client
    let posts = 0;
    const { proxy, genq } = await via((r) => (r.method === 'POST' && posts++ === 0 ? { kind: 'forward', destroyAfterResponse: true } : { kind: 'forward' }));
    const t = await genq.tasks.create(noop);
    expect(proxy.seen.filter((s) => s.method === 'POST')).toHaveLength(2);
    expect(await taskCount()).toBe(before + 1);
    expect((await genq.tasks.get(t.id)).id).toBe(t.id);
  });

  it('without a key, a lost create is reported, not repeated', async () => {
    const { proxy, genq } = await via(() => ({ kind: 'destroy' }));
    const err = await genq.tasks.create(noop, { idempotencyKey: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GenqConnectionError);
    expect((err as GenqConnectionError).code).toBe('CONNECTION_ERROR');
    expect(proxy.seen).toHaveLength(1);
  });

  it('says where it could not connect', async () => {
    const port = await freePort(); // nobody listens there
    const genq = new Genq({ baseUrl: `http://127.0.0.1:${port}`, apiKey: key, maxRetries: 1, retryBaseMs: 10 });
    const err = await genq.account.get().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GenqConnectionError);
    expect((err as Error).message).toBe(`Cannot reach genq at http://127.0.0.1:${port} (ECONNREFUSED)`);
  });

  it('times out a request that gets no answer', async () => {
    const { genq } = await via(() => ({ kind: 'forward' }), { timeoutMs: 300, maxRetries: 0 });
    const t = await new Genq({ baseUrl: server.url, apiKey: key }).tasks.create({ ...noop, input: { sleep_ms: 3000 } });
    // the server holds this answer for up to 10 s; the client allows 300 ms
    const started = Date.now();
    const err = await genq.request('GET', `/v1/tasks/${t.id}`, { headers: { prefer: 'wait=10' } }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(err).toBeInstanceOf(GenqConnectionError);
    expect((err as Error).message).toMatch(/No answer/);
  });
});
