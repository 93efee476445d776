/**
 * Bad input in every dialect: the vendor's own error shape and status, never a 5xx or a stack
 * trace (the Api helper fails any test on either), and never a half-made task.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, makeKey, start, stopAll, type GenqServer } from '../../helpers/server.js';
import { STATUS_ENDPOINTS } from './shapes.js';

let server: GenqServer;
let api: Api;
let other: Api;
let key: string;

beforeAll(async () => {
  server = await start({ env: { GENQ_ENABLE_NOOP: '1' } });
  key = (await makeKey(server.dataDir)).key;
  api = new Api(server.url, key);
  other = new Api(server.url, (await makeKey(server.dataDir, { name: 'other' })).key);
});
afterAll(stopAll);

/** Each dialect: a create endpoint with a valid body, its auth header, and how its errors look. */
const DIALECTS = [
  {
    name: 'FineVoice', create: '/finevoice/v1/audio/speech-synthesis', valid: { voice: 'james', text: 'hi' }, camb: false,
    shape: (b: any, status: number, code?: string) => expect(b).toMatchObject({ status, error: { ...(code ? { code } : {}), message: expect.any(String) } }),
  },
  {
    name: 'aiclonevoicefree', create: '/aiclone/api/v2/image/generate', valid: null, camb: false,
    shape: (b: any, _s: number, code?: string) => expect(b).toMatchObject({ error: { ...(code ? { code } : {}), message: expect.any(String), type: expect.any(String) } }),
  },
  {
    name: 'ModelHunter', create: '/modelhunter/api/v1/genq/text-to-speech', valid: { model: 'noop', input: {} }, camb: false,
    shape: (b: any, _s: number, code?: string) => expect(b).toMatchObject({ success: false, error: { ...(code ? { code } : {}), message: expect.any(String) } }),
  },
  {
    name: 'CAMB.AI', create: '/camb/tts', valid: { text: 'hi', voice_id: 1, language: 1 }, camb: true,
    shape: (b: any, status: number) => {
      if (status === 422) expect(b.detail[0]).toMatchObject({ loc: expect.any(Array), msg: expect.any(String), type: expect.any(String) });
      else expect(b).toEqual({ detail: expect.any(String) });
    },
  },
];

const as = (d: (typeof DIALECTS)[number], k: string | null, extra: Record<string, string> = {}) => ({
  auth: d.camb ? false : k !== null, headers: { ...(d.camb && k ? { 'x-api-key': k } : {}), ...extra },
});
const count = async () => (await api.listAll()).length;

describe.each(DIALECTS)('$name', (d) => {
  it('401 without a key or with a wrong one, in the vendor shape', async () => {
    const none = await api.post(d.create, d.valid ?? { prompt: 'x' }, as(d, null));
    expect(none.status).toBe(401);
    d.shape(none.body, 401, d.name === 'ModelHunter' ? 'AUTH_REQUIRED' : d.camb ? undefined : 'UNAUTHORIZED');
    const wrong = await new Api(server.url, 'sk_wrong').post(d.create, d.valid ?? { prompt: 'x' }, d.camb ? { headers: { 'x-api-key': 'sk_wrong' } } : {});
    expect(wrong.status).toBe(401);
    d.shape(wrong.body, 401, d.name === 'ModelHunter' ? 'AUTH_INVALID_TOKEN' : undefined);
  });

  it('malformed JSON, non-object bodies, wrong types and unknown routes: 4xx in the vendor shape, no task', async () => {
    const before = await count();
    for (const raw of ['{', '[]', '"text"', 'null', '42']) {
      const r = await api.request('POST', d.create, { rawBody: raw, ...as(d, key, { 'content-type': 'application/json' }) });
      expect(r.status, raw).toBeGreaterThanOrEqual(400);
      expect(r.status, raw).toBeLessThan(500);
      d.shape(r.body, r.status);
    }
    const wrongType = await api.post(d.create, d.camb ? { text: 5, voice_id: 1, language: 1 } : d.name === 'ModelHunter' ? { input: 'text' } : { voice: 1, text: 'x', prompt: 5 }, as(d, key));
    expect([400, 422]).toContain(wrongType.status);
    d.shape(wrongType.body, wrongType.status);
    const text = await api.request('POST', d.create, { rawBody: 'voice=james', ...as(d, key, { 'content-type': 'text/plain' }) });
    expect(text.status).toBeGreaterThanOrEqual(400);
    expect(text.status).toBeLessThan(500);
    const nowhere = await api.get(`${d.create.split('/').slice(0, 2).join('/')}/no/such/route`, as(d, key));
    expect(nowhere.status).toBe(404);
    d.shape(nowhere.body, 404);
    expect(await count()).toBe(before);
  });
});

describe('status endpoints', () => {
  it('an unknown id, a malformed id and another account’s task are all 404 in each shape', async () => {
    const mine = (await api.noop()).id;
    for (const ep of STATUS_ENDPOINTS) {
      for (const [who, id] of [[api, '01900000-0000-7000-8000-000000000000'], [api, 'task_abc123'], [other, mine]] as const) {
        const k = who.key!;
        const r = ep.camb ? await who.withKey(null).get(ep.path(id), { headers: { 'x-api-key': k } }) : await who.get(ep.path(id));
        expect(r.status, `${ep.name} ${id}`).toBe(404);
      }
    }
    const mh = await api.get('/modelhunter/api/v1/tasks/task_abc123');
    expect(mh.body).toEqual({ success: false, error: { code: 'TASK_NOT_FOUND', message: 'No task with id "task_abc123" exists for this account' } });
  });

  it('a bad Prefer header is a client error in each shape', async () => {
    const id = (await api.noop()).id;
    for (const ep of STATUS_ENDPOINTS) {
      const headers = { prefer: 'wait=9999', ...(ep.camb ? { 'x-api-key': key } : {}) };
      const r = ep.camb ? await api.withKey(null).get(ep.path(id), { headers }) : await api.get(ep.path(id), { headers });
      expect([400, 422], ep.name).toContain(r.status);
      if (ep.camb) expect(r.body.detail[0].loc).toEqual(['header', 'prefer']);
    }
  });

  it('CAMB.AI run ids: not an integer → 422 path error; unknown → 400 {detail}', async () => {
    const h = { headers: { 'x-api-key': key } };
    const bad = await api.withKey(null).get('/camb/tts-result/abc', h);
    expect(bad.status).toBe(422);
    expect(bad.body.detail[0]).toMatchObject({ loc: ['path', 'run_id'], type: 'int_parsing' });
    const unknown = await api.withKey(null).get('/camb/tts-result/999999', h);
    expect(unknown).toMatchObject({ status: 400, body: { detail: expect.stringContaining('999999') } });
    const wrongType = await api.withKey(null).get('/camb/tts-result/1?output_type=zip', h);
    expect(wrongType.body.detail[0].loc).toEqual(['query', 'output_type']);
    const design = await api.withKey(null).get('/camb/text-to-voice-result/1', h);
    expect(design.status).toBe(400);
  });

  it('ModelHunter list filters it cannot apply are refused, not ignored', async () => {
    const r = await api.get('/modelhunter/api/v1/tasks?modelId=kling-v3');
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'INVALID_PARAMETER', details: { field: 'modelId' } });
    expect((await api.get('/modelhunter/api/v1/tasks?limit=500')).status).toBe(400);
    expect((await api.get('/modelhunter/api/v1/tasks?status=done')).status).toBe(400);
    expect((await api.get('/modelhunter/api/v1/tasks?cursor=nonsense')).status).toBe(400);
  });
});
