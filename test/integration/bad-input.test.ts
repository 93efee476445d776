/**
 * Every kind of bad input gets a clear 4xx with a stable error code, never a 5xx or a stack
 * trace (the Api helper checks both on every response), and never a half-written task: after
 * each rejected create, the account's task list is still empty.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Api, makeKey, startWithKey, stopAll, type ApiResponse, type GenqServer } from '../helpers/server.js';

// each file starts real servers and runs the CLI: allow for a slow, busy machine
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let server: GenqServer;
let api: Api;
/** a second server with a 2 KiB body limit */
let small: { server: GenqServer; api: Api };

beforeAll(async () => {
  let main: { server: GenqServer; api: Api };
  [main, small] = await Promise.all([
    startWithKey({ env: { GENQ_ENABLE_NOOP: '1' } }),
    startWithKey({ env: { GENQ_ENABLE_NOOP: '1', GENQ_BODY_LIMIT_BYTES: '2048' } }),
  ]);
  ({ server, api } = main);
});
afterAll(stopAll);

const tts = (input: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ capability: 'voice', action: 'tts', input, ...extra });

async function expectNoTasks(a: Api = api): Promise<void> {
  const r = await a.get('/v1/tasks?limit=100');
  expect(r.status).toBe(200);
  expect(r.body.data, 'a rejected request must not leave a task behind').toEqual([]);
}

function expectError(r: ApiResponse, status: number, code: string, messageLike?: RegExp): void {
  expect(r.status, r.text).toBe(status);
  expect(r.headers.get('content-type')).toMatch(/^application\/json/);
  expect(r.body?.error?.code, r.text).toBe(code);
  expect(typeof r.body.error.message).toBe('string');
  expect(r.body.error.message.length).toBeGreaterThan(5);
  if (messageLike) expect(r.body.error.message).toMatch(messageLike);
}

describe('POST /v1/tasks with a bad body', () => {
  const raw = (body: string, contentType = 'application/json') =>
    api.post('/v1/tasks', undefined, { rawBody: body, headers: { 'content-type': contentType } });

  it('malformed JSON → 400 INVALID_JSON', async () => {
    for (const body of ['{', '{"capability":"voice",', "{'a':1}", '{"a":1}}', 'nul', '\u0000']) {
      expectError(await raw(body), 400, 'INVALID_JSON');
    }
    await expectNoTasks();
  });

  it('empty body → 400', async () => {
    const r = await raw('');
    expect(r.status).toBe(400);
    expect(['INVALID_JSON', 'INVALID_REQUEST']).toContain(r.body.error.code);
    await expectNoTasks();
  });

  it('a body that is JSON but not an object → 400 INVALID_REQUEST', async () => {
    for (const body of ['[]', '[{"capability":"voice"}]', '"text"', '42', 'null', 'true']) {
      expectError(await raw(body), 400, 'INVALID_REQUEST', /object/);
    }
    await expectNoTasks();
  });

  it('a prototype-pollution attempt is refused', async () => {
    const r = await raw('{"capability":"voice","action":"tts","input":{"text":"hi"},"__proto__":{"admin":true}}');
    expect(r.status).toBe(400);
    await expectNoTasks();
  });

  it('unknown capability or action → 400 INVALID_REQUEST naming the valid ones', async () => {
    expectError(await api.post('/v1/tasks', { capability: 'smell', action: 'tts', input: { text: 'hi' } }), 400, 'INVALID_REQUEST', /capability "smell".*voice/);
    expectError(await api.post('/v1/tasks', { capability: 'voice', action: 'sing', input: { text: 'hi' } }), 400, 'INVALID_REQUEST', /action "sing".*tts/);
    expectError(await api.post('/v1/tasks', { capability: 'image', action: 'tts', input: { text: 'hi' } }), 400, 'INVALID_REQUEST', /generate/);
    await expectNoTasks();
  });

  it('unknown model, or a model of another capability → 422 UNKNOWN_MODEL', async () => {
    expectError(await api.post('/v1/tasks', tts({ text: 'hi' }, { model: 'gpt-17' })), 422, 'UNKNOWN_MODEL', /gpt-17.*\/v1\/models/);
    expectError(await api.post('/v1/tasks', { capability: 'voice', action: 'design', model: 'espeak-ng', input: { text: 'hi' } }), 422, 'UNKNOWN_MODEL');
    await expectNoTasks();
  });

  it('a capability with no model on this server yet → 422 UNKNOWN_MODEL', async () => {
    const r = await api.post('/v1/tasks', { capability: 'video', action: 'generate', input: { prompt: 'a cat' } });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    await expectNoTasks();
  });

  it('missing, empty, whitespace-only or over-long text → 422 INVALID_INPUT naming the field', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{}, /"text" is required/],
      [{ text: null }, /"text" is required/],
      [{ text: '' }, /empty/],
      [{ text: '   \n\t ' }, /empty/],
      [{ text: 42 }, /must be a string/],
      [{ text: 'x'.repeat(5001) }, /5001.*5000/],
      [{ text: 'hi', voice: 'no-such-voice' }, /Unknown voice/],
      [{ text: 'hi', speed: 9 }, /speed/],
      [{ text: 'hi', format: 'docx' }, /docx/],
      [{ text: 'hi', volume: 11 }, /Unknown field "volume"/],
    ];
    for (const [input, message] of cases) {
      const r = await api.post('/v1/tasks', tts(input));
      expectError(r, 422, 'INVALID_INPUT', message);
      expect(r.body.error.details?.field, JSON.stringify(input).slice(0, 50)).toBeTypeOf('string');
    }
    // exactly 5000 characters is fine (counted as a person counts, in code points)
    const ok = await api.post('/v1/tasks', tts({ text: '😀'.repeat(5000) }, { model: 'noop' }));
    expect(ok.status).toBe(202);
    await api.post(`/v1/tasks/${ok.body.id}/cancel`);
  });

  it('missing input, or input of the wrong type → 400 INVALID_REQUEST', async () => {
    // (the list is no longer empty after the 5000-char task above, so count instead)
    const before = (await api.listAll()).length;
    expectError(await api.post('/v1/tasks', { capability: 'voice', action: 'tts' }), 400, 'INVALID_REQUEST', /input/);
    expectError(await api.post('/v1/tasks', { capability: 'voice', action: 'tts', input: 'hello' }), 400, 'INVALID_REQUEST', /input/);
    expectError(await api.post('/v1/tasks', { capability: 'voice', action: 'tts', input: ['hello'] }), 400, 'INVALID_REQUEST', /input/);
    expectError(await api.post('/v1/tasks', { action: 'tts', input: { text: 'hi' } }), 400, 'INVALID_REQUEST', /capability/);
    expect((await api.listAll()).length).toBe(before);
  });

  it('unknown top-level field → 400 INVALID_REQUEST naming it', async () => {
    const before = (await api.listAll()).length;
    expectError(await api.post('/v1/tasks', tts({ text: 'hi' }, { colour: 'blue' })), 400, 'INVALID_REQUEST', /colour/);
    expect((await api.listAll()).length).toBe(before);
  });

  it('wrong types and out-of-range values → 400 INVALID_REQUEST', async () => {
    const before = (await api.listAll()).length;
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ priority: 'high' }, /priority/],
      [{ priority: 1.5 }, /priority/],
      [{ priority: 1000 }, /priority/],
      [{ timeout_s: 0 }, /timeout_s/],
      [{ timeout_s: '30' }, /timeout_s/],
      [{ queue_ttl_s: -1 }, /queue_ttl_s/],
      [{ metadata: 'x' }, /metadata/],
      [{ metadata: [1, 2] }, /metadata/],
      [{ webhook: { url: 'not a url' } }, /webhook/],
      [{ webhook: 'http://example.com' }, /webhook/],
      [{ model: 42 }, /model/],
      [{ capability: 7 }, /capability/],
    ];
    for (const [extra, message] of cases) {
      expectError(await api.post('/v1/tasks', tts({ text: 'hi' }, extra)), 400, 'INVALID_REQUEST', message);
    }
    expect((await api.listAll()).length).toBe(before);
  });

  it('metadata over 16 KiB → 400 INVALID_REQUEST; just under is accepted and echoed', async () => {
    const before = (await api.listAll()).length;
    const big = { blob: 'x'.repeat(16 * 1024) };
    expectError(await api.post('/v1/tasks', tts({}, { model: 'noop', metadata: big })), 400, 'INVALID_REQUEST', /metadata.*16 KiB/);
    expect((await api.listAll()).length).toBe(before);
    const fits = { blob: 'x'.repeat(16 * 1024 - 20) };
    const ok = await api.post('/v1/tasks', tts({}, { model: 'noop', metadata: fits }));
    expect(ok.status).toBe(202);
    expect(ok.body.metadata).toEqual(fits);
  });

  it('wrong content-type → 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const before = (await api.listAll()).length;
    const body = JSON.stringify(tts({ text: 'hi' }));
    for (const ct of ['application/xml', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      expectError(await raw(body, ct), 415, 'UNSUPPORTED_MEDIA_TYPE', /application\/json/);
    }
    const none = await api.post('/v1/tasks', undefined, { rawBody: body });
    // fetch sends a string body as text/plain when no content-type is given
    expectError(none, 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect((await api.listAll()).length).toBe(before);
  });

  it('deeply nested JSON (small, under every size limit) → 400, never a 500', async () => {
    const before = (await api.listAll()).length;
    const nest = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
    const deep = [
      `{"capability":"voice","action":"tts","model":"noop","input":{},"metadata":${nest(5000)}}`,
      `{"capability":"voice","action":"tts","input":${nest(50_000)}}`,
      `{"capability":"voice","action":"tts","model":"noop","input":{},"priority":${'['.repeat(20_000)}${']'.repeat(20_000)}}`,
    ];
    for (const body of deep) {
      const r = await raw(body);
      expect(r.status, r.text).toBe(400);
      expect(r.body.error.code).toBe('INVALID_JSON');
      expect(r.body.error.message).toMatch(/nest/);
    }
    const batch = await api.post('/v1/tasks/batch', undefined, {
      rawBody: `{"tasks":[{"capability":"voice","action":"tts","model":"noop","input":{},"metadata":${nest(5000)}}]}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(batch.status).toBe(400);
    // moderately deep metadata (over 32 levels) is refused too, with a clear message
    const forty = await api.post('/v1/tasks', tts({}, { model: 'noop', metadata: JSON.parse(nest(40)) }));
    expectError(forty, 400, 'INVALID_REQUEST', /metadata.*32 levels/);
    const ten = await api.post('/v1/tasks', tts({}, { model: 'noop', metadata: JSON.parse(nest(10)) }));
    expect(ten.status).toBe(202);
    expect(ten.body.metadata).toEqual(JSON.parse(nest(10)));
    expect((await api.listAll()).length).toBe(before + 1);
  });

  it('test-model knobs that would freeze the server are refused (steps without bound)', async () => {
    expectError(await api.post('/v1/tasks', tts({ steps: 1e9 }, { model: 'noop' })), 422, 'INVALID_INPUT', /steps/);
    expectError(await api.post('/v1/tasks', tts({ steps: 'many' }, { model: 'noop' })), 422, 'INVALID_INPUT', /steps/);
    expectError(await api.post('/v1/tasks', tts({ write_file: 'yes' }, { model: 'noop' })), 422, 'INVALID_INPUT', /write_file/);
    // the server is still responsive
    expect((await api.get('/healthz')).status).toBe(200);
  });

  it('application/json with a charset parameter is fine', async () => {
    const r = await raw(JSON.stringify(tts({}, { model: 'noop' })), 'application/json; charset=utf-8');
    expect(r.status).toBe(202);
  });
});

describe('body size limit', () => {
  it('a body over GENQ_BODY_LIMIT_BYTES → 413 PAYLOAD_TOO_LARGE, nothing created', async () => {
    const a = small.api;
    const r = await a.post('/v1/tasks', tts({ text: 'x'.repeat(3000) }));
    expectError(r, 413, 'PAYLOAD_TOO_LARGE');
    // the same task under the limit is accepted: the limit, not the content, caused the 413
    const ok = await a.post('/v1/tasks', tts({ text: 'x'.repeat(1500) }, { model: 'noop' }));
    expect(ok.status).toBe(202);
    const list = await a.listAll();
    expect(list.map((t) => t.id)).toEqual([ok.body.id]);
  });
});

describe('bad task ids', () => {
  it('GET, cancel and events of a malformed or unknown id → 404 TASK_NOT_FOUND', async () => {
    const ids = [
      'not-a-uuid',
      '01a20fb9-c06a-7607-ad13-78000f81305',  // one short
      '01A20FB9-C06A-7607-AD13-78000F813058', // upper case
      "1' OR '1'='1",
      '%00',
      '00000000-0000-7000-8000-000000000000',
    ];
    for (const id of ids) {
      const enc = encodeURIComponent(id);
      for (const r of [await api.get(`/v1/tasks/${enc}`), await api.post(`/v1/tasks/${enc}/cancel`), await api.get(`/v1/tasks/${enc}/events`)]) {
        expectError(r, 404, 'TASK_NOT_FOUND');
      }
    }
  });

  it('an over-long id → 4xx in the genq error shape, without echoing the whole URL back', async () => {
    for (const len of [65, 150, 5000]) {
      const r = await api.get(`/v1/tasks/${'a'.repeat(len)}`);
      expect(r.status, r.text.slice(0, 200)).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      expect(r.body.error?.code, r.text.slice(0, 200)).toMatch(/^[A-Z_]+$/);
      expect(r.text.length).toBeLessThan(1000);
    }
  });

  it('a URL with broken percent-encoding → 400 in the genq error shape', async () => {
    for (const p of ['/v1/tasks/%E0%A4%A', '/v1/tasks/%zz/cancel', '/files/%E0%A4%A?expires=1&sig=x']) {
      const r = await api.request(p.endsWith('cancel') ? 'POST' : 'GET', p);
      expect(r.status, p).toBe(400);
      expect(r.body.error?.code, r.text).toMatch(/^[A-Z_]+$/);
    }
  });

  it('unknown routes → 404 NOT_FOUND in the same error shape', async () => {
    expectError(await api.get('/v1/nope'), 404, 'NOT_FOUND');
    expectError(await api.request('DELETE', '/v1/tasks'), 404, 'NOT_FOUND');
  });
});

describe('bad Prefer and list parameters', () => {
  let id: string;
  beforeAll(async () => {
    id = (await api.noop()).id;
  });

  it('Prefer: wait=abc, wait=61, wait=-1, wait=1.5, wait= → 400 INVALID_REQUEST', async () => {
    for (const prefer of ['wait=abc', 'wait=61', 'wait=-1', 'wait=1.5', 'wait=', 'wait=9999999']) {
      const r = await api.get(`/v1/tasks/${id}`, { headers: { prefer } });
      expectError(r, 400, 'INVALID_REQUEST', /wait/);
      expect(r.body.error.message).toMatch(/60/);
    }
  });

  it('valid Prefer values are honoured; other preferences are ignored', async () => {
    for (const prefer of ['wait=0', 'respond-async', 'return=minimal', 'respond-async, wait=1', 'wait="1"']) {
      const r = await api.get(`/v1/tasks/${id}`, { headers: { prefer } });
      expect(r.status, prefer).toBe(200);
    }
  });

  it('limit=0, limit=101, limit=abc, status=bogus, cursor=garbage, unknown param → 400', async () => {
    const cases: Array<[string, RegExp]> = [
      ['limit=0', /limit/],
      ['limit=101', /limit/],
      ['limit=abc', /limit/],
      ['limit=-5', /limit/],
      ['status=bogus', /bogus.*succeeded/],
      ['status=queued,bogus', /bogus/],
      ['cursor=garbage', /cursor/],
      [`cursor=${Buffer.from('t:not-an-id').toString('base64url')}`, /cursor/],
      ['sort=asc', /sort/],
    ];
    for (const [q, message] of cases) {
      expectError(await api.get(`/v1/tasks?${q}`), 400, 'INVALID_REQUEST', message);
    }
  });
});

describe('bad batches', () => {
  const noop = (input: Record<string, unknown> = {}) => ({ capability: 'voice', action: 'tts', model: 'noop', input });

  it('1001 tasks → 400, none created', async () => {
    const fresh = new Api(server.url, (await makeKey(server.dataDir, { name: 'batch' })).key);
    const r = await fresh.post('/v1/tasks/batch', { tasks: Array.from({ length: 1001 }, () => noop()) });
    expectError(r, 400, 'INVALID_REQUEST', /1000/);
    const empty = await fresh.post('/v1/tasks/batch', { tasks: [] });
    expectError(empty, 400, 'INVALID_REQUEST');
    const notArray = await fresh.post('/v1/tasks/batch', { tasks: noop() });
    expectError(notArray, 400, 'INVALID_REQUEST');
    await expectNoTasks(fresh);
  });

  it('one bad item among good ones → 4xx naming its index, and no task at all is created', async () => {
    const fresh = new Api(server.url, (await makeKey(server.dataDir, { name: 'batch2' })).key);
    const good: Array<Record<string, unknown>> = Array.from({ length: 10 }, () => noop());

    // rejected by the provider's input validation
    const badInput = [...good];
    badInput[7] = noop({ sleep_ms: 'slow' });
    const r1 = await fresh.post('/v1/tasks/batch', { tasks: badInput });
    expectError(r1, 422, 'INVALID_INPUT', /tasks\[7\]/);
    expect(r1.body.error.details?.index).toBe(7);

    // rejected by routing
    const badModel = [...good];
    badModel[3] = { ...noop(), model: 'nope' };
    const r2 = await fresh.post('/v1/tasks/batch', { tasks: badModel });
    expectError(r2, 422, 'UNKNOWN_MODEL', /tasks\[3\]/);
    expect(r2.body.error.details?.index).toBe(3);

    // rejected by the request schema
    const badShape = [...good];
    badShape[5] = { ...noop(), priority: 'high' };
    const r3 = await fresh.post('/v1/tasks/batch', { tasks: badShape });
    expect(r3.status).toBe(400);
    expect(r3.body.error.code).toBe('INVALID_REQUEST');
    expect(r3.body.error.message).toMatch(/tasks[/[]5/);

    // metadata over the limit in one item
    const badMeta = [...good];
    badMeta[9] = { ...noop(), metadata: { blob: 'x'.repeat(17 * 1024) } };
    const r4 = await fresh.post('/v1/tasks/batch', { tasks: badMeta });
    expect(r4.status).toBe(400);
    expect(r4.body.error.message).toMatch(/metadata/);

    await expectNoTasks(fresh);
  });

  it('a malformed batch body → 400 INVALID_JSON', async () => {
    const r = await api.post('/v1/tasks/batch', undefined, { rawBody: '{"tasks":[', headers: { 'content-type': 'application/json' } });
    expectError(r, 400, 'INVALID_JSON');
  });
});

describe('cancel of something that cannot be cancelled', () => {
  it('cancel of a finished task → 409 TASK_FINISHED, and the task is unchanged', async () => {
    const t = await api.noop();
    const done = await api.waitTerminal(t.id);
    expect(done.status).toBe('succeeded');
    const r = await api.post(`/v1/tasks/${t.id}/cancel`);
    expectError(r, 409, 'TASK_FINISHED', /succeeded/);
    const after = await api.task(t.id);
    expect(after.status).toBe('succeeded');
    expect(after.completed_at).toBe(done.completed_at);
  });
});

describe('no fault leaks', () => {
  it('the server logged no unhandled error during all of the above', () => {
    expect(server.logs.filter((l) => (l.level ?? 0) >= 50)).toEqual([]);
    expect(server.logs.filter((l) => l.msg === 'request' && Number(l.status) >= 500)).toEqual([]);
  });
});
