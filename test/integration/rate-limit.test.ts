/**
 * Per-key request rate (`keys create --rate-limit N`, server default GENQ_RATE_LIMIT) and the
 * per-address limit on rejected keys, against the real server: 429 in the caller's dialect with
 * an integer Retry-After and the IETF RateLimit / RateLimit-Policy headers (docs/limits.md).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Genq } from '../../dist/sdk/index.js';
import { Api, cli, sleep, start, stopAll, type ApiResponse, type GenqServer } from '../helpers/server.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let main: GenqServer;
/** GENQ_RATE_LIMIT=3: the server default */
let withDefault: GenqServer;
/** GENQ_AUTH_FAILURES_PER_IP=5 */
let strict: GenqServer;

beforeAll(async () => {
  [main, withDefault, strict] = await Promise.all([
    start({ env: { GENQ_ENABLE_NOOP: '1' } }),
    start({ env: { GENQ_ENABLE_NOOP: '1', GENQ_RATE_LIMIT: '3' } }),
    start({ env: { GENQ_ENABLE_NOOP: '1', GENQ_AUTH_FAILURES_PER_IP: '5' } }),
  ]);
});
afterAll(stopAll);

/** `genq keys create`, with `--rate-limit N` when given */
async function key(server: GenqServer, rateLimit?: number): Promise<string> {
  const args = ['keys', 'create', '--name', `rl-${rateLimit ?? 'none'}`, '--credits', '100', '--json', '--data-dir', server.dataDir];
  const r = await cli(rateLimit === undefined ? args : [...args, '--rate-limit', String(rateLimit)]);
  if (r.code !== 0) throw new Error(`keys create failed: ${r.stderr}`);
  return JSON.parse(r.stdout).key as string;
}

/** `n` requests at once */
const burst = (n: number, send: () => Promise<ApiResponse>) => Promise.all(Array.from({ length: n }, send));

function expectLimited(r: ApiResponse, limit: number): void {
  expect(r.status, r.text).toBe(429);
  const retryAfter = r.headers.get('retry-after');
  expect(retryAfter).toMatch(/^\d+$/);
  expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  expect(r.headers.get('ratelimit-policy')).toBe(`"per-key";q=${limit};w=1`);
  expect(r.headers.get('ratelimit')).toMatch(/^"per-key";r=0;t=[1-9]\d*$/);
}

const UNKNOWN = '01a20fb9-c06a-7607-ad13-78000f813058';

/** How each dialect draws a 429 (its map.ts), on an endpoint that needs the key. */
const DIALECTS = [
  {
    name: 'native', path: '/v1/account', camb: false,
    shape: (b: any) => expect(b).toEqual({ error: { code: 'RATE_LIMITED', type: 'rate_limited', message: expect.any(String), details: { limit: 5, retry_after_s: expect.any(Number) } } }),
  },
  {
    name: 'FineVoice', path: `/finevoice/v1/task/${UNKNOWN}`, camb: false,
    shape: (b: any) => expect(b).toEqual({ status: 429, error: { code: 'RATE_LIMITED', message: expect.any(String) }, timestamp: expect.any(String) }),
  },
  {
    name: 'aiclonevoicefree', path: `/aiclone/api/v2/tasks/${UNKNOWN}`, camb: false,
    shape: (b: any) => expect(b).toEqual({ error: { code: 'RATE_LIMITED', type: 'rate_limited', message: expect.any(String), details: { limit: 5, retry_after_s: expect.any(Number) } } }),
  },
  {
    // the vendor's documented code for 429
    name: 'ModelHunter', path: `/modelhunter/api/v1/tasks/${UNKNOWN}`, camb: false,
    shape: (b: any) => expect(b).toEqual({ success: false, error: { code: 'RATE_LIMIT_EXCEEDED', message: expect.any(String), details: { limit: 5, retry_after_s: expect.any(Number) } } }),
  },
  {
    // FastAPI's HTTPException shape
    name: 'CAMB.AI', path: `/camb/tts/${UNKNOWN}`, camb: true,
    shape: (b: any) => expect(b).toEqual({ detail: expect.stringMatching(/5 requests per second/) }),
  },
];

describe('a key with --rate-limit 5', () => {
  it.each(DIALECTS)('$name: 20 rapid requests → some 429 in the dialect shape, with Retry-After and RateLimit headers', async (d) => {
    const k = await key(main, 5);
    const api = new Api(main.url);
    const send = () => api.get(d.path, { headers: d.camb ? { 'x-api-key': k } : { authorization: `Bearer ${k}` } });
    const results = await burst(20, send);
    const limited = results.filter((r) => r.status === 429);
    const passed = results.filter((r) => r.status !== 429);
    // 5 per one-second window; a burst that straddles two windows passes up to 10 (three on a
    // machine slow enough to spread 20 requests over more than a second: 15)
    expect(passed.length).toBeGreaterThanOrEqual(5);
    expect(passed.length).toBeLessThanOrEqual(15);
    expect(limited.length).toBe(20 - passed.length);
    for (const r of limited) {
      expectLimited(r, 5);
      d.shape(r.body);
    }
    // answers within the quota say what is left of it
    for (const r of passed) {
      expect(r.status).toBe(d.name === 'native' ? 200 : 404);
      expect(r.headers.get('ratelimit-policy')).toBe('"per-key";q=5;w=1');
      expect(r.headers.get('ratelimit')).toMatch(/^"per-key";r=[0-4];t=1$/);
      expect(r.headers.get('retry-after')).toBeNull();
    }
  });

  it('succeeds again once Retry-After has passed', async () => {
    const api = new Api(main.url, await key(main, 5));
    const results = await burst(12, () => api.get('/v1/account'));
    const limited = results.find((r) => r.status === 429)!;
    expectLimited(limited, 5);
    await sleep(Number(limited.headers.get('retry-after')) * 1000);
    const again = await api.get('/v1/account');
    expect(again.status).toBe(200);
    expect(again.headers.get('ratelimit')).toBe('"per-key";r=4;t=1');
  });

  it("does not touch another key's quota", async () => {
    const a = new Api(main.url, await key(main, 5));
    const b = new Api(main.url, await key(main, 5));
    const results = await burst(15, () => a.get('/v1/account'));
    expect(results.some((r) => r.status === 429)).toBe(true);
    const other = await b.get('/v1/account');
    expect(other.status).toBe(200);
    expect(other.headers.get('ratelimit')).toBe('"per-key";r=4;t=1');
  });

  it('the SDK waits out the 429s and every call succeeds', async () => {
    const genq = new Genq({ baseUrl: main.url, apiKey: await key(main, 5) });
    const started = Date.now();
    const accounts = await Promise.all(Array.from({ length: 12 }, () => genq.account.get()));
    expect(accounts.every((a) => a.object === 'account')).toBe(true);
    // 12 calls at 5 per second cannot all have been answered in the first window
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });
});

describe('a key without a limit', () => {
  it('never gets 429 and carries no RateLimit headers', async () => {
    const api = new Api(main.url, await key(main));
    const results = await burst(60, () => api.get('/v1/account'));
    expect(results.map((r) => r.status)).toEqual(Array(60).fill(200));
    expect(results[0]!.headers.get('ratelimit')).toBeNull();
    expect(results[0]!.headers.get('ratelimit-policy')).toBeNull();
  });

  it('creates tasks unhindered', async () => {
    const api = new Api(main.url, await key(main));
    const results = await burst(25, () => api.post('/v1/tasks', { capability: 'voice', action: 'tts', model: 'noop', input: {} }));
    expect(results.map((r) => r.status)).toEqual(Array(25).fill(202));
  });
});

describe('the server default (GENQ_RATE_LIMIT=3)', () => {
  it('applies to keys created without --rate-limit', async () => {
    const api = new Api(withDefault.url, await key(withDefault));
    const results = await burst(12, () => api.get('/v1/account'));
    const limited = results.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(3);
    expect(results.filter((r) => r.status === 200).length).toBeLessThanOrEqual(9);
    for (const r of limited) expectLimited(r, 3);
  });

  it("a key's own --rate-limit wins, and --rate-limit 0 means unlimited", async () => {
    const own = new Api(withDefault.url, await key(withDefault, 50));
    const ok = await burst(20, () => own.get('/v1/account'));
    expect(ok.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(ok[0]!.headers.get('ratelimit-policy')).toBe('"per-key";q=50;w=1');
    const unlimited = new Api(withDefault.url, await key(withDefault, 0));
    const all = await burst(30, () => unlimited.get('/v1/account'));
    expect(all.map((r) => r.status)).toEqual(Array(30).fill(200));
    expect(all[0]!.headers.get('ratelimit')).toBeNull();
  });
});

describe('rejected keys per address (GENQ_AUTH_FAILURES_PER_IP=5)', () => {
  it('answers 429 in the dialect shape once an address has had 5 keys refused in a second, then recovers', async () => {
    const good = await key(strict);
    const anon = new Api(strict.url);
    const statuses: number[] = [];
    let limited: ApiResponse | undefined;
    for (let i = 0; i < 8 && !limited; i++) {
      const r = await anon.get('/v1/account', { headers: { authorization: `Bearer sk_guess${i}` } });
      statuses.push(r.status);
      if (r.status === 429) limited = r;
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(limited, `statuses: ${statuses.join(' ')}`).toBeDefined();
    expect(limited!.body.error).toMatchObject({ code: 'RATE_LIMITED', type: 'rate_limited', details: { limit: 5 } });
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited!.headers.get('ratelimit-policy')).toBe('"auth-failures";q=5;w=1');
    // in a dialect too, and even for a good key from that address while the window lasts (it
    // may just have ended: then the good key's own answer, 404 for an unknown task)
    const camb = await anon.get(`/camb/tts/${UNKNOWN}`, { headers: { 'x-api-key': good } });
    expect([404, 429]).toContain(camb.status);
    if (camb.status === 429) expect(camb.body).toEqual({ detail: expect.stringMatching(/rejected API keys/) });
    // no key at all is no guess: still the plain 401
    expect((await anon.get('/v1/account')).status).toBe(401);
    await sleep(Number(limited!.headers.get('retry-after')) * 1000);
    expect((await anon.get('/v1/account', { headers: { authorization: `Bearer ${good}` } })).status).toBe(200);
  });
});
