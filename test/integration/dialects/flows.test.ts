/**
 * Each dialect's create flow end to end, long-poll on every status endpoint, and tasks created
 * in one dialect read in every other and in native.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, makeKey, start, stopAll, type GenqServer } from '../../helpers/server.js';
import { expectEverywhere, STATUS_ENDPOINTS } from './shapes.js';

let server: GenqServer;
let api: Api;
let key: string;
let models: Array<{ capability: string; action: string }>;
const camb = () => ({ headers: { 'x-api-key': key } });
const serves = (capability: string, action: string) => models.some((m) => m.capability === capability && m.action === action);

beforeAll(async () => {
  server = await start({ env: { GENQ_ENABLE_NOOP: '1' } });
  key = (await makeKey(server.dataDir)).key;
  api = new Api(server.url, key);
  models = (await api.get('/v1/models')).body.data;
});
afterAll(stopAll);

/** Real speech from genq itself, as a data: URI, for the endpoints that take reference audio. */
async function speechDataUri(): Promise<string> {
  const t = await api.waitTerminal((await api.create({ capability: 'voice', action: 'tts', input: { text: 'This is the reference speaker talking for a little while.' } })).id);
  const wav = await download(t.result!.files[0]!.url);
  return `data:audio/wav;base64,${wav.data.toString('base64')}`;
}

const download = async (url: string) => {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get('content-type'), data: Buffer.from(await res.arrayBuffer()) };
};

describe('FineVoice', () => {
  it('runs its documented speech-synthesis example unchanged and serves the audio', async () => {
    const r = await api.post('/finevoice/v1/audio/speech-synthesis', { voice: 'james', text: '[happy] Hello! Welcome to FineVoice.' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 202, url: null, urls: [] });
    expect(r.body.taskId).toBe(r.body.task_id);
    const done = await api.get(`/finevoice/v1/task/${r.body.taskId}`, { headers: { prefer: 'wait=20' } });
    expect(done.body.status).toBe(200);
    const audio = await download(done.body.url);
    expect([audio.status, audio.type, audio.data.toString('ascii', 0, 4)]).toEqual([200, 'audio/wav', 'RIFF']);
    expect((await api.get(`/finevoice/v1/tasks/${r.body.taskId}`)).body.status).toBe('completed');
  });

  it('voice-conversion without useAsync answers with the converted audio (422 while no convert model exists)', async () => {
    const r = await api.post('/finevoice/v1/audio/voice-conversion', { voice: 'en-us-female-1', sourceUrl: await speechDataUri(), outputFormat: 'wav' });
    if (!serves('voice', 'convert')) {
      expect(r.body).toMatchObject({ status: 422, error: { code: 'UNKNOWN_MODEL', message: expect.stringContaining('voice/convert') } });
      return;
    }
    expect(r.status).toBe(200);
    expect(r.body.status).toBe(200);
    const audio = await download(r.body.url);
    expect(audio.data.toString('ascii', 0, 4)).toBe('RIFF');
  });
});

describe('aiclonevoicefree', () => {
  it('voice clone: 202, then the text spoken in the cloned voice, flattened as audioUrl', async (ctx) => {
    const clone = await api.post('/aiclone/api/v2/voice/clone', { text: 'Cloned words.', reference_audio_url: await speechDataUri(), metadata: { order: 1 } });
    if (!serves('voice', 'clone')) {
      expect(clone.body.error).toMatchObject({ code: 'UNKNOWN_MODEL', message: expect.stringContaining('voice/clone') });
      return ctx.skip('no voice/clone model on this server');
    }
    expect(clone.status).toBe(202);
    expect(clone.body).toMatchObject({ status: 'pending', capability: 'voice', action: 'clone', error: null });
    const done = await api.get(`/aiclone/api/v2/tasks/${clone.body.task_id}`, { headers: { prefer: 'wait=30' } });
    expect(done.body).toMatchObject({ status: 'completed', _type: 'tts.clone', metadata: { order: 1 }, degraded: false });
    expect(typeof done.body.voice_id).toBe('string');
    expect((await download(done.body.audioUrl)).type).toMatch(/^audio\//);
  });

  it('image and video say clearly that nothing serves them yet', async () => {
    for (const [path, what] of [['/aiclone/api/v2/image/generate', 'image/generate'], ['/aiclone/api/v2/video/generate', 'video/generate']] as const) {
      const r = await api.post(path, { prompt: 'a lighthouse at dusk', model: 'kling-v3' });
      if (serves(...(what.split('/') as [string, string]))) expect(r.status).toBe(202);
      else {
        expect(r.status).toBe(422);
        expect(r.body.error).toMatchObject({ code: 'UNKNOWN_MODEL', message: `No model on this server serves ${what} yet` });
      }
    }
  });
});

describe('ModelHunter', () => {
  it('create → 202 data.id → status with signed result URLs; metadata echoed', async () => {
    const r = await api.post('/modelhunter/api/v1/genq/text-to-speech', { input: { text: 'Model hunter.' }, metadata: { project: 'demo' } });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ success: true, data: { type: 'audio', status: 'queued', metadata: { project: 'demo' } } });
    const done = await api.get(`/modelhunter/api/v1/tasks/${r.body.data.id}`, { headers: { prefer: 'wait=20' } });
    expect(done.body.data).toMatchObject({ status: 'succeeded', provider: 'espeak-ng', model: 'espeak-ng', metadata: { project: 'demo' } });
    const audio = await download(done.body.data.result[0].url);
    expect(audio.data.toString('ascii', 0, 4)).toBe('RIFF');
  });

  it('lists with cursor pagination, cancels (409 once finished) and retries failed tasks only', async () => {
    const running = (await api.post('/modelhunter/api/v1/genq/text-to-speech', { model: 'noop', input: { sleep_ms: 10_000 } })).body.data.id;
    const cancelled = await api.post(`/modelhunter/api/v1/tasks/${running}/cancel`);
    expect(cancelled.body.data.status).toBe('cancelled');
    const again = await api.request('DELETE', `/modelhunter/api/v1/tasks/${running}`);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ success: false, error: { code: 'TASK_FINISHED' } });

    const failed = (await api.post('/modelhunter/api/v1/genq/text-to-speech', { model: 'noop', input: { fail: 'fatal' } })).body.data.id;
    await api.get(`/modelhunter/api/v1/tasks/${failed}`, { headers: { prefer: 'wait=10' } });
    const retried = await api.post(`/modelhunter/api/v1/tasks/${failed}/retry`);
    expect(retried.status).toBe(202);
    expect(retried.body.data.id).not.toBe(failed);
    expect((await api.post(`/modelhunter/api/v1/tasks/${running}/retry`)).status).toBe(409);

    const page1 = await api.get('/modelhunter/api/v1/tasks?limit=2');
    expect(page1.body.data).toHaveLength(2);
    expect(page1.body.pagination.hasMore).toBe(true);
    expect(page1.body.data[0]).toHaveProperty('progress');
    const page2 = await api.get(`/modelhunter/api/v1/tasks?limit=2&cursor=${page1.body.pagination.cursor}`);
    expect(page2.body.data[0].id).not.toBe(page1.body.data[1].id);
    const onlyFailed = await api.get('/modelhunter/api/v1/tasks?status=failed');
    expect(onlyFailed.body.data.every((t: { status: string }) => t.status === 'failed')).toBe(true);
  });
});

describe('every dialect', () => {
  it('long-polls with Prefer: wait=N on its status endpoint', async () => {
    for (const ep of STATUS_ENDPOINTS) {
      const id = (await api.noop({ sleep_ms: 1200 })).id;
      const t0 = Date.now();
      const r = ep.camb ? await api.withKey(null).get(ep.path(id), { headers: { ...camb().headers, prefer: 'wait=10' } }) : await api.get(ep.path(id), { headers: { prefer: 'wait=10' } });
      const ms = Date.now() - t0;
      expect(r.status, ep.name).toBe(200);
      expect(r.headers.get('preference-applied'), ep.name).toBe('wait=10');
      expect(ms, ep.name).toBeGreaterThan(800);
      expect(ms, ep.name).toBeLessThan(8000);
      expect((await api.task(id)).status).toBe('succeeded');
      expect(JSON.stringify(r.body), ep.name).toMatch(/"(200|completed|succeeded|SUCCESS)"|"status":200/);
    }
  });

  it('reads a task created in any dialect, and native reads them all', async () => {
    const fv = (await api.post('/finevoice/v1/audio/speech-synthesis', { voice: 'en-gb-female-1', text: 'Made by FineVoice.' })).body.taskId;
    const cb = (await api.withKey(null).post('/camb/tts', { text: 'Made by CAMB.', voice_id: 147320, language: 1 }, camb())).body.task_id;
    const mh = (await api.post('/modelhunter/api/v1/genq/text-to-speech', { input: { text: 'Made by ModelHunter.' } })).body.data.id;
    const nat = (await api.create({ capability: 'voice', action: 'tts', input: { text: 'Made natively.' } })).id;
    for (const id of [fv, cb, mh, nat]) {
      expect((await api.waitTerminal(id)).status).toBe('succeeded');
      await expectEverywhere(api, id, 'succeeded');
    }
  });
});
