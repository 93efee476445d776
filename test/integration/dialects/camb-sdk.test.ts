/**
 * CAMB.AI's official TypeScript SDK (@camb-ai/sdk), unmodified, pointed at genq's /camb prefix:
 * the full text-to-speech flow, the streaming endpoint, the catalog calls, a 422, and the full
 * text-to-voice flow (which needs a voice-design model: until one is installed genq answers
 * that flow's create with CAMB.AI's 422, and that is what runs instead).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CambApiError, CambClient, CambApi } from '@camb-ai/sdk';
import { Api, makeKey, sleep, start, stopAll, type GenqServer } from '../../helpers/server.js';

let server: GenqServer;
let client: CambClient;
let hasDesignModel = false;

beforeAll(async () => {
  server = await start({ env: { GENQ_ENABLE_NOOP: '1' } });
  const key = (await makeKey(server.dataDir, { name: 'camb-sdk' })).key;
  client = new CambClient({ apiKey: key, baseUrl: `${server.url}/camb`, maxRetries: 0 });
  const models = await new Api(server.url).get('/v1/models');
  hasDesignModel = models.body.data.some((m: { capability: string; action: string }) => m.capability === 'voice' && m.action === 'design');
});
afterAll(stopAll);

/** The SDK's own documented loop: poll the status until it leaves PENDING. */
async function poll(get: () => Promise<CambApi.OrchestratorPipelineResult>, timeoutMs = 30_000): Promise<CambApi.OrchestratorPipelineResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await get();
    if (s.status !== 'PENDING') return s;
    if (Date.now() > deadline) throw new Error('still PENDING');
    await sleep(200);
  }
}

const bytesOf = async (url: string) => {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return { type: res.headers.get('content-type'), data: Buffer.from(await res.arrayBuffer()) };
};

describe('CAMB.AI SDK: text-to-speech', () => {
  it('createTts → getTtsResult until SUCCESS → getTtsRunInfo(file_url) → real WAV; raw bytes are FLAC', async () => {
    const { task_id } = await client.textToSpeech.createTts({ text: 'Hello from the CAMB dialect of genq.', voice_id: 20303, language: 1, gender: 2, age: 30 });
    expect(typeof task_id).toBe('string');
    const done = await poll(() => client.textToSpeech.getTtsResult({ task_id }));
    expect(done.status).toBe('SUCCESS');
    expect(Number.isInteger(done.run_id)).toBe(true);

    const info = (await client.textToSpeech.getTtsRunInfo({ run_id: done.run_id!, output_type: 'file_url' })) as CambApi.GetTtsResultOutFileUrl;
    const wav = await bytesOf(info.output_url);
    expect(wav.type).toBe('audio/wav');
    expect(wav.data.toString('ascii', 0, 4)).toBe('RIFF');
    expect(wav.data.length).toBeGreaterThan(10_000);

    // raw_bytes (the default) streams FLAC, as the vendor's docstring says
    const raw = await fetch(`${server.url}/camb/tts-result/${done.run_id}`, { headers: { 'x-api-key': (client as any)._options.apiKey } });
    expect(raw.headers.get('content-type')).toBe('audio/flac');
    const flac = Buffer.from(await raw.arrayBuffer());
    expect(flac.toString('ascii', 0, 4)).toBe('fLaC');
    expect(flac.length).toBeLessThan(wav.data.length);

    const batch = await client.textToSpeech.getTtsResults({ body: { run_ids: [done.run_id!, 987654] } });
    expect((batch[String(done.run_id)] as { output_url: string }).output_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/files\//);
    expect(batch['987654']).toEqual({ output_url: null });
  });

  it('tts (POST /tts-stream) answers with the audio itself', async () => {
    const res = await client.textToSpeech.tts({ text: 'Streaming speech.', language: 'en-us', voice_id: 3, output_configuration: { format: 'wav' } });
    const data = Buffer.from(await res.arrayBuffer());
    expect(data.toString('ascii', 0, 4)).toBe('RIFF');
    expect(data.length).toBeGreaterThan(10_000);
    const flac = await client.textToSpeech.tts({ text: 'Lossless.', language: 'en-uk', voice_id: 5, output_configuration: { format: 'flac' } });
    expect(Buffer.from(await flac.arrayBuffer()).toString('ascii', 0, 4)).toBe('fLaC');
  });

  it('lists voices and languages with CAMB.AI integer ids', async () => {
    const voices = await client.voiceCloning.listVoices();
    const ids = voices.map((v) => (v as CambApi.Voice).id);
    expect(ids).toEqual(expect.arrayContaining([1, 3, 20303, 147320]));
    for (const v of voices as CambApi.Voice[]) {
      expect(Number.isInteger(v.id)).toBe(true);
      expect(typeof v.voice_name).toBe('string');
      expect([0, 1, 2, 9]).toContain(v.gender);
    }
    const langs = await client.languages.getSourceLanguages();
    expect(langs).toEqual(expect.arrayContaining([{ id: 1, language: 'English (United States)', short_name: 'en-us' }]));
    expect(await client.languages.getTargetLanguages()).toEqual(langs);
  });

  it('bad input is a 422 UnprocessableEntityError with a FastAPI detail list', async () => {
    const err = await client.textToSpeech.createTts({ text: 'x', voice_id: 1, language: 424242 }).catch((e) => e);
    expect(err).toBeInstanceOf(CambApi.UnprocessableEntityError);
    expect(err.statusCode).toBe(422);
    expect(err.body.detail[0]).toMatchObject({ loc: ['body', 'language'], type: 'value_error' });
    const unknownVoice = await client.textToSpeech.createTts({ text: 'x', voice_id: 99, language: 1 }).catch((e) => e);
    expect(unknownVoice.body.detail[0].loc).toEqual(['body', 'voice_id']);
    const missing = await client.textToSpeech.getTtsResult({ task_id: '00000000-0000-7000-8000-000000000000' }).catch((e) => e);
    expect(missing).toBeInstanceOf(CambApiError);
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toEqual({ detail: expect.stringContaining('No task') });
  });
});

describe('CAMB.AI SDK: text-to-voice', () => {
  const request = {
    text: 'Crafting a truly unique and captivating voice that carries a subtle air of mystery.',
    voice_description: 'A smooth, rich, deep baritone voice of a calm older man who speaks slowly, with gentle warmth, ideal for immersive storytelling and late-night radio.',
  };

  it('createTextToVoice → status until SUCCESS → previews of real audio (needs a voice/design model in GET /v1/models)', async (ctx) => {
    // decided at run time: GET /v1/models is only known once the server runs
    ctx.skip(!hasDesignModel, 'skipped: GET /v1/models lists no voice/design model yet (issue 4 adds one); this flow runs as soon as one exists');
    const { task_id } = await client.textToVoice.createTextToVoice(request);
    const done = await poll(() => client.textToVoice.getTextToVoiceStatus({ task_id: task_id! }), 60_000);
    expect(done.status).toBe('SUCCESS');
    const { previews } = await client.textToVoice.getTextToVoiceResult({ run_id: done.run_id! });
    expect(previews.length).toBeGreaterThanOrEqual(1);
    for (const url of previews) {
      const audio = await bytesOf(url);
      expect(audio.type).toMatch(/^audio\//);
      expect(audio.data.length).toBeGreaterThan(1000);
    }
  });

  it('without a voice/design model, createTextToVoice is a 422 saying so (the full flow above runs once one exists)', async (ctx) => {
    ctx.skip(hasDesignModel, 'skipped: a voice/design model exists, so the full flow above ran instead');
    const err = await client.textToVoice.createTextToVoice(request).catch((e) => e);
    expect(err).toBeInstanceOf(CambApi.UnprocessableEntityError);
    expect(err.body.detail[0]).toMatchObject({ loc: ['body'], msg: expect.stringContaining('voice/design') });
  });
});
