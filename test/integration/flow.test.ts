/**
 * The whole flow of DESIGN.md / issue 3 against the real server: first start without keys,
 * a key from the CLI, a real espeak-ng speech task, long-poll, signed download with Range,
 * tampered and expired links; plus the operations and catalog endpoints and the log lines.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  Api, loggedTransitions, makeKey, readSse, requestLines, sleep, start, stopAll, transitionLines, waitFor,
  type CreatedKey, type GenqServer, type Task,
} from '../helpers/server.js';

// each file starts real servers and runs the CLI: allow for a slow, busy machine
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let server: GenqServer;
/**
 * A second, API-only process on the same data dir (so: a key exists when it starts), whose
 * download links live 1 s. API-only, so its worker never takes tasks from the main server.
 */
let shortLinks: GenqServer;
let key: CreatedKey;
let api: Api;

beforeAll(async () => {
  // no key exists yet: this is a newcomer's first start
  server = await start({ env: { GENQ_ENABLE_NOOP: '1', GENQ_RETRY_BASE_MS: '50' } });
  key = await makeKey(server.dataDir, { name: 'flow', credits: 100 });
  api = new Api(server.url, key.key);
});
afterAll(stopAll);

/** Walks the RIFF chunks of a WAV file. */
function parseWav(buf: Buffer) {
  expect(buf.toString('ascii', 0, 4)).toBe('RIFF');
  expect(buf.toString('ascii', 8, 12)).toBe('WAVE');
  expect(buf.readUInt32LE(4)).toBe(buf.length - 8);
  let off = 12;
  let fmt: { channels: number; sampleRate: number; byteRate: number; bitsPerSample: number; format: number } | null = null;
  let data: Buffer | null = null;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    const body = buf.subarray(off + 8, off + 8 + size);
    if (id === 'fmt ') {
      fmt = {
        format: body.readUInt16LE(0), channels: body.readUInt16LE(2), sampleRate: body.readUInt32LE(4),
        byteRate: body.readUInt32LE(8), bitsPerSample: body.readUInt16LE(14),
      };
    } else if (id === 'data') {
      data = body;
    }
    off += 8 + size + (size % 2);
  }
  if (!fmt || !data) throw new Error('WAV without fmt or data chunk');
  return { fmt, data };
}

describe('first start', () => {
  it('tells a newcomer with no keys exactly how to create one', () => {
    const hint = server.logs.find((l) => typeof l.msg === 'string' && l.msg.includes('genq keys create'));
    expect(hint, 'a log line mentioning `genq keys create`').toBeDefined();
    // the command must point at this server's store, or following it would not help
    expect(String(hint!.msg)).toContain(server.dataDir);
    expect(server.nonJsonLines).toEqual([]);
  });

  it('does not nag once a key exists', async () => {
    shortLinks = await start({ dataDir: server.dataDir, env: { GENQ_ENABLE_NOOP: '1', GENQ_FILE_URL_TTL_S: '1', GENQ_ROLE: 'api' } });
    expect(shortLinks.logs.some((l) => l.msg === 'genq listening')).toBe(true);
    expect(shortLinks.logs.some((l) => typeof l.msg === 'string' && l.msg.includes('genq keys create'))).toBe(false);
  });
});

describe('speech task, end to end', () => {
  let task: Task;
  let wav: Buffer;

  it('POST /v1/tasks answers 202 with an id and status queued', async () => {
    const r = await api.post('/v1/tasks', {
      capability: 'voice', action: 'tts',
      input: { text: 'Hello from the genq integration test. This is real speech.' },
      metadata: { order: 42, tags: ['a', 'b'] },
    });
    expect(r.status).toBe(202);
    expect(r.body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(r.body.status).toBe('queued');
    expect(r.body.model).toBe('espeak-ng');
    expect(r.body.metadata).toEqual({ order: 42, tags: ['a', 'b'] });
    expect(r.headers.get('location')).toBe(`/v1/tasks/${r.body.id}`);
    task = r.body;
  });

  it('GET with Prefer: wait=30 holds until succeeded and says Preference-Applied', async () => {
    const t0 = Date.now();
    const r = await api.get<Task>(`/v1/tasks/${task.id}`, { headers: { prefer: 'wait=30' } });
    expect(r.status).toBe(200);
    expect(r.headers.get('preference-applied')).toBe('wait=30');
    expect(r.body.status, JSON.stringify(r.body.error)).toBe('succeeded');
    expect(Date.now() - t0).toBeLessThan(29_000);
    expect(r.body.progress).toBe(1);
    expect(r.body.attempts).toBe(1);
    expect(r.body.provider).toBe('espeak-ng');
    expect(r.body.started_at).not.toBeNull();
    expect(r.body.completed_at).not.toBeNull();
    expect(r.body.metadata).toEqual({ order: 42, tags: ['a', 'b'] });
    const f = r.body.result!.files[0]!;
    expect(f.format).toBe('wav');
    expect(f.content_type).toBe('audio/wav');
    expect(f.url.startsWith(`${server.url}/files/`)).toBe(true);
    // a dozen words of speech: between 1 and 15 seconds
    expect(f.duration_s).toBeGreaterThan(1);
    expect(f.duration_s).toBeLessThan(15);
    task = r.body;
  });

  it('the signed URL downloads a valid RIFF WAV of real, non-silent audio', async () => {
    const f = task.result!.files[0]!;
    const res = await fetch(f.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/wav');
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    wav = Buffer.from(await res.arrayBuffer());
    expect(wav.length).toBe(f.size_bytes);
    expect(Number(res.headers.get('content-length'))).toBe(f.size_bytes);
    const { fmt, data } = parseWav(wav);
    expect(fmt.format).toBe(1); // PCM
    expect(fmt.sampleRate).toBeGreaterThanOrEqual(8000);
    expect(fmt.byteRate).toBe(fmt.sampleRate * fmt.channels * (fmt.bitsPerSample / 8));
    expect(data.length).toBeGreaterThan(0);
    // the duration the task reports is the duration of the samples
    expect(data.length / fmt.byteRate).toBeCloseTo(f.duration_s!, 1);
    // speech, not silence: a reasonable share of loud samples
    expect(fmt.bitsPerSample).toBe(16);
    let loud = 0;
    for (let i = 0; i + 1 < data.length; i += 2) if (Math.abs(data.readInt16LE(i)) > 1000) loud++;
    expect(loud / (data.length / 2)).toBeGreaterThan(0.05);
  });

  it('a Range request answers 206 with exactly those bytes', async () => {
    const f = task.result!.files[0]!;
    const res = await fetch(f.url, { headers: { range: 'bytes=0-43' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes 0-43/${f.size_bytes}`);
    const part = Buffer.from(await res.arrayBuffer());
    expect(part.length).toBe(44);
    expect(part.equals(wav.subarray(0, 44))).toBe(true);

    const tail = await fetch(f.url, { headers: { range: 'bytes=-10' } });
    expect(tail.status).toBe(206);
    expect(tail.headers.get('content-range')).toBe(`bytes ${f.size_bytes - 10}-${f.size_bytes - 1}/${f.size_bytes}`);
    expect(Buffer.from(await tail.arrayBuffer()).equals(wav.subarray(wav.length - 10))).toBe(true);

    const beyond = await fetch(f.url, { headers: { range: `bytes=${f.size_bytes + 100}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${f.size_bytes}`);
    await beyond.arrayBuffer();
  });

  it('a tampered signature, extended expiry or swapped file is refused with 403', async () => {
    const u = new URL(task.result!.files[0]!.url);
    const sig = u.searchParams.get('sig')!;
    const flipped = new URL(u);
    flipped.searchParams.set('sig', (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1));
    const extended = new URL(u);
    extended.searchParams.set('expires', String(Number(u.searchParams.get('expires')) + 3600));
    const noSig = new URL(u);
    noSig.searchParams.delete('sig');
    const otherFile = new URL(u);
    otherFile.pathname = otherFile.pathname.replace(/[^/]+$/, 'other.wav');
    const traversal = new URL(u.toString().replace(/\/files\/[^?]+/, '/files/..%2F..%2Fgenq.db'));
    for (const bad of [flipped, extended, noSig, otherFile, traversal]) {
      const r = await api.get(bad.toString(), { auth: false });
      expect(r.status, bad.toString()).toBe(403);
      expect(r.body.error.code).toBe('INVALID_SIGNATURE');
    }
  });

  it('an expired link answers 410, and re-reading the task gives a fresh link that works', async () => {
    // shortLinks shares the store (and so the signing secret) with the main server, which runs the task
    const a = new Api(shortLinks.url, key.key);
    const t = await api.noop({ write_file: true, text: 'file body' });
    expect((await api.waitTerminal(t.id)).status).toBe('succeeded');
    const url = (await a.task(t.id)).result!.files[0]!.url;
    expect(url.startsWith(shortLinks.url)).toBe(true);
    expect((await a.get(url, { auth: false })).text).toBe('file body');
    await sleep(2100);
    const r = await a.get(url, { auth: false });
    expect(r.status).toBe(410);
    expect(r.body.error.code).toBe('URL_EXPIRED');
    const fresh = (await a.task(t.id)).result!.files[0]!.url;
    const again = await a.get(fresh, { auth: false });
    expect(again.status).toBe(200);
    expect(again.text).toBe('file body');
    // the main server signs with the same secret but its own 15-minute expiry
    const long = new URL((await api.task(t.id)).result!.files[0]!.url);
    expect(Number(long.searchParams.get('expires')) - Date.now() / 1000).toBeGreaterThan(14 * 60);
    expect((await api.get(`${server.url}${long.pathname}${long.search}`, { auth: false })).text).toBe('file body');
    await shortLinks.stop();
  });
});

describe('operations and catalog', () => {
  it('/healthz and /readyz answer 200', async () => {
    const h = await api.get('/healthz', { auth: false });
    expect(h.status).toBe(200);
    const r = await api.get('/readyz', { auth: false });
    expect(r.status).toBe(200);
    expect(r.body.store).toBe('sqlite');
  });

  it('/metrics exposes request latency and task transitions in Prometheus format', async () => {
    const t = await api.noop();
    await api.waitTerminal(t.id);
    const r = await api.get('/metrics', { auth: false });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(r.text).toContain('# TYPE genq_task_transitions_total counter');
    expect(r.text).toMatch(/^genq_task_transitions_total\{status="succeeded"\} [1-9]\d*$/m);
    expect(r.text).toContain('# TYPE genq_http_request_duration_seconds histogram');
    expect(r.text).toMatch(/^genq_http_request_duration_seconds_count\{[^}]*route="\/v1\/tasks"[^}]*\} [1-9]/m);
  });

  it('/openapi.json is an OpenAPI 3 document with the task paths', async () => {
    const r = await api.get('/openapi.json', { auth: false });
    expect(r.status).toBe(200);
    expect(r.body.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(r.body.paths['/v1/tasks']).toHaveProperty('post');
    expect(r.body.paths['/v1/tasks']).toHaveProperty('get');
    expect(Object.keys(r.body.paths)).toEqual(expect.arrayContaining(['/v1/tasks/batch', '/v1/tasks/{id}', '/v1/tasks/{id}/cancel']));
  });

  it('GET /v1/models lists espeak-ng as the default voice/tts model', async () => {
    const r = await api.get('/v1/models', { auth: false });
    expect(r.status).toBe(200);
    const espeak = r.body.data.find((m: any) => m.id === 'espeak-ng');
    expect(espeak).toMatchObject({ capability: 'voice', action: 'tts', default: true });
  });

  it('GET /v1/voices needs a key and lists at least 10 voices', async () => {
    expect((await api.get('/v1/voices', { auth: false })).status).toBe(401);
    const r = await api.get('/v1/voices');
    expect(r.status).toBe(200);
    expect(r.body.data.length).toBeGreaterThanOrEqual(10);
    for (const v of r.body.data) expect(typeof v.id).toBe('string');
    expect(new Set(r.body.data.map((v: any) => v.id)).size).toBe(r.body.data.length);
  });

  it('GET /v1/account shows the balance and the webhook secret of the calling account', async () => {
    const r = await api.get('/v1/account');
    expect(r.status).toBe(200);
    expect(r.body.id).toBe(key.account_id);
    // the opening 100, less what this file's finished tasks were charged and its unfinished ones hold
    const ledger = await api.get('/v1/account/ledger?limit=500');
    expect(ledger.status).toBe(200);
    expect(ledger.body.data.reduce((n: number, e: { amount: number }) => n + e.amount, 0)).toBe(r.body.credits_balance);
    expect(ledger.body.data.at(-1)).toMatchObject({ kind: 'grant', amount: 100 });
    expect(r.body.credits_balance).toBeLessThan(100);
    expect(r.body.webhook_secret).toMatch(/^whsec_/);
    expect(r.body.webhook_secret).toBe(key.webhook_secret);
    // never the key itself
    expect(r.text).not.toContain(key.key);
  });
});

describe('structured logs', () => {
  it('every request writes exactly one JSON line with msg "request"', async () => {
    const unique = `/v1/tasks/00000000-0000-7000-8000-${String(Date.now()).slice(-12).padStart(12, '0')}`;
    const paths = [
      ['GET', unique, 404],
      ['GET', '/v1/models', 200],
      ['GET', '/no/such/route-for-log-test', 404],
      ['POST', '/v1/tasks', 400],
      ['GET', '/v1/tasks/%zz-log-test', 400], // a URL the router cannot decode
    ] as const;
    for (const [method, p, status] of paths) {
      const r = await api.request(method, p, method === 'POST' ? { rawBody: '{', headers: { 'content-type': 'application/json' } } : {});
      expect(r.status).toBe(status);
    }
    // the line is written when the response ends; give it a moment to reach us
    await waitFor(() => requestLines(server, (l) => l.url === '/no/such/route-for-log-test').length > 0, { what: 'request log' });
    await sleep(100);
    const one = (p: string) => requestLines(server, (l) => l.url === p);
    expect(one(unique)).toHaveLength(1);
    expect(one(unique)[0]).toMatchObject({ method: 'GET', status: 404, route: '/v1/tasks/:id', account_id: key.account_id });
    expect(typeof one(unique)[0]!.ms).toBe('number');
    expect(one('/no/such/route-for-log-test')).toHaveLength(1);
    expect(one('/v1/tasks/%zz-log-test')).toHaveLength(1);
    expect(one('/v1/tasks/%zz-log-test')[0]).toMatchObject({ status: 400 });
    // the request log must not carry the API key
    expect(server.logs.some((l) => JSON.stringify(l).includes(key.key))).toBe(false);
    expect(server.nonJsonLines).toEqual([]);
  });

  it('a long-poll or SSE stream the client gives up on still writes its one line (status 499)', async () => {
    const t = await api.noop({ sleep_ms: 3000 });
    const ac = new AbortController();
    const poll = fetch(`${server.url}/v1/tasks/${t.id}`, { headers: { authorization: `Bearer ${key.key}`, prefer: 'wait=30' }, signal: ac.signal });
    await sleep(300);
    ac.abort();
    await poll.catch(() => {});
    const sse = await readSse(`${server.url}/v1/tasks/${t.id}/events`, { authorization: `Bearer ${key.key}` }, { timeoutMs: 500 });
    expect(sse.ended).toBe(false); // we hung up, the task was still running
    const lines = await waitFor(() => {
      const l = requestLines(server, (x) => x.url === `/v1/tasks/${t.id}` || x.url === `/v1/tasks/${t.id}/events`);
      return l.length >= 2 ? l : null;
    }, { what: 'request lines of the abandoned requests' });
    await sleep(200);
    expect(requestLines(server, (x) => x.url === `/v1/tasks/${t.id}`)).toHaveLength(1);
    expect(requestLines(server, (x) => x.url === `/v1/tasks/${t.id}/events`)).toHaveLength(1);
    for (const l of lines) expect(l.status).toBe(499);
    await api.post(`/v1/tasks/${t.id}/cancel`);
  });

  it('every transition writes exactly one line with msg "task transition"', async () => {
    const ok = await api.noop();
    const retried = await api.noop({ fail: 'retryable', fail_attempts: 1 });
    expect((await api.waitTerminal(ok.id)).status).toBe('succeeded');
    expect((await api.waitTerminal(retried.id)).status).toBe('succeeded');
    expect(await loggedTransitions(server, ok.id)).toEqual(['queued', 'running', 'succeeded']);
    expect(await loggedTransitions(server, retried.id)).toEqual(['queued', 'running', 'queued', 'running', 'succeeded']);
    // and no stray extra line shows up afterwards (progress changes are not transitions)
    await sleep(200);
    expect(transitionLines(server, ok.id)).toHaveLength(3);
    expect(transitionLines(server, retried.id)).toHaveLength(5);
    for (const l of transitionLines(server, retried.id)) expect(l).toMatchObject({ task_id: retried.id, model: 'noop' });
  });
});
