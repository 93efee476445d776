/**
 * The voice features over HTTP against the real server: the voice catalog, uploads,
 * clone → account voice → tts with it (and isolation from other accounts), design, convert,
 * formats, and the chunked tts stream. Audio is judged by decoding and pitch tracking.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, makeKey, start, stopAll, type GenqServer, type Task } from '../helpers/server.js';
import { decodeFile, medianF0 } from '../unit/voice-helpers.js';

let server: GenqServer;
let a: Api;
let b: Api;

beforeAll(async () => {
  server = await start();
  a = new Api(server.url, (await makeKey(server.dataDir, { name: 'voice-a', credits: 1000 })).key);
  b = new Api(server.url, (await makeKey(server.dataDir, { name: 'voice-b', credits: 1000 })).key);
}, 60_000);
afterAll(stopAll);

async function runTask(api: Api, body: Record<string, unknown>, timeoutMs = 90_000): Promise<Task> {
  const created = await api.create(body);
  return api.waitTerminal(created.id, timeoutMs);
}

async function download(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return new Uint8Array(await res.arrayBuffer());
}

async function upload(api: Api, bytes: Uint8Array, contentType = 'audio/wav') {
  return api.request('POST', '/v1/uploads', { rawBody: bytes, headers: { 'content-type': contentType } });
}

let femaleWav: Uint8Array;

/**
 * The server answers 413 from the declared content-length alone, without reading the body:
 * declare 21 MiB, send a few bytes, take the answer and drop the connection.
 */
function oversizedUploadStatus(key: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${server.url}/v1/uploads`, {
      method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'audio/wav', 'content-length': 21 * 1024 * 1024 },
    }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(e)));
    req.write(Buffer.from('RIFF'));
  });
}

describe('catalog', () => {
  it('lists at least 10 built-in voices in at least 3 languages, of every embedded engine', async () => {
    const r = await a.get('/v1/voices');
    expect(r.status).toBe(200);
    const builtin = r.body.data.filter((v: { owner: string }) => v.owner === 'builtin');
    expect(builtin.length).toBeGreaterThanOrEqual(10);
    expect(new Set(builtin.map((v: { language: string }) => v.language.split('-')[0])).size).toBeGreaterThanOrEqual(3);
    // the embedded engines always; festival too when the machine has it installed (system-engines.test.ts)
    const engines = new Set(builtin.map((v: { engine: string }) => v.engine));
    expect(engines).toContain('espeak-ng');
    expect(engines).toContain('flite');
    for (const e of engines) expect(['espeak-ng', 'flite', 'festival']).toContain(e);
    for (const v of builtin) expect(v).toMatchObject({ id: expect.any(String), name: expect.any(String), language: expect.any(String), gender: expect.any(String), engine: expect.any(String) });
    const models = (await a.get('/v1/models')).body.data.map((m: { id: string; action: string }) => `${m.action}:${m.id}`);
    expect(models).toEqual(expect.arrayContaining(['tts:espeak-ng', 'tts:flite', 'design:espeak-ng-design', 'clone:espeak-ng-clone', 'convert:rubberband-convert']));
  });
});

describe('uploads', () => {
  beforeAll(async () => {
    const t = await runTask(a, { capability: 'voice', action: 'tts', input: { text: 'This recording is the reference for the clone. It is long enough to measure.', voice: 'en-us-female-1' } });
    femaleWav = await download(t.result!.files[0]!.url);
  });

  it('stores raw audio bodies and refuses everything else', async () => {
    const ok = await upload(a, femaleWav);
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ id: expect.stringMatching(/^upl_[a-f0-9]{24}$/), object: 'upload', format: 'wav', size_bytes: femaleWav.length });
    expect((await upload(a, new TextEncoder().encode('hello, not audio'), 'application/octet-stream')).status).toBe(415);
    const multipart = await upload(a, new TextEncoder().encode('--x\r\n'), 'multipart/form-data; boundary=x');
    expect(multipart.status).toBe(415);
    expect(multipart.body.error.message).toMatch(/raw request body/);
    expect(await oversizedUploadStatus(a.key!)).toBe(413);
    expect((await a.request('POST', '/v1/uploads', { rawBody: femaleWav, headers: { 'content-type': 'audio/wav' }, auth: false })).status).toBe(401);
    // JSON routes stay JSON-only
    expect((await a.request('POST', '/v1/tasks', { rawBody: femaleWav, headers: { 'content-type': 'audio/wav' } })).status).toBe(415);
  });
});

describe('clone → account voice → tts', () => {
  let voiceId: string;
  let refF0: number;

  it('clones from an upload; the voice is the account\'s own', async () => {
    refF0 = medianF0(await decodeFile('wav', femaleWav));
    const up = (await upload(a, femaleWav)).body.id as string;
    const t = await runTask(a, { capability: 'voice', action: 'clone', input: { reference_audio: up, name: 'Alice clone', format: 'mp3' } });
    expect(t.status, JSON.stringify(t.error)).toBe('succeeded');
    voiceId = t.result!.voice_id as string;
    expect(voiceId).toMatch(/^voice_/);
    expect(t.result!.files[0]!.content_type).toBe('audio/mpeg');
    const sample = await decodeFile('mp3', await download(t.result!.files[0]!.url));
    expect(Math.abs(medianF0(sample) / refF0 - 1)).toBeLessThan(0.2);
    const mine = (await a.get('/v1/voices')).body.data.filter((v: { owner: string }) => v.owner === 'account');
    expect(mine.map((v: { id: string }) => v.id)).toContain(voiceId);
    expect(mine.find((v: { id: string }) => v.id === voiceId)).toMatchObject({ name: 'Alice clone', gender: 'female', engine: 'espeak-ng' });
    const theirs = (await b.get('/v1/voices')).body.data.filter((v: { owner: string }) => v.owner === 'account');
    expect(theirs).toHaveLength(0);
  }, 120_000);

  it('speaks with the cloned voice, in ogg, at the reference pitch', async () => {
    const t = await runTask(a, { capability: 'voice', action: 'tts', input: { text: 'Now I speak with the cloned voice.', voice: voiceId, format: 'ogg' } });
    expect(t.status, JSON.stringify(t.error)).toBe('succeeded');
    expect(t.result!.files[0]).toMatchObject({ format: 'ogg', content_type: 'audio/ogg' });
    const audio = await decodeFile('ogg', await download(t.result!.files[0]!.url));
    expect(Math.abs(medianF0(audio) / refF0 - 1)).toBeLessThan(0.2);
  }, 60_000);

  it('refuses another account\'s voice and unknown voices at creation', async () => {
    for (const voice of [voiceId, 'voice_000000000000000000000000', 'no-such-voice']) {
      const r = await b.post('/v1/tasks', { capability: 'voice', action: 'tts', input: { text: 'hello', voice } });
      expect(r.status, voice).toBe(422);
      expect(r.body.error.code).toBe('INVALID_INPUT');
      expect(r.body.error.message).toMatch(/Unknown voice/);
    }
    const lang = await a.post('/v1/tasks', { capability: 'voice', action: 'tts', input: { text: 'hallo', voice: voiceId, language: 'de' } });
    expect(lang.status).toBe(422);
  });

  it('another account cannot use the upload: the task fails with INVALID_INPUT', async () => {
    const up = (await upload(a, femaleWav)).body.id as string;
    const t = await runTask(b, { capability: 'voice', action: 'convert', input: { source_audio: up, voice: 'en-us-male-1' } });
    expect(t.status).toBe('failed');
    expect(t.error).toMatchObject({ code: 'INVALID_INPUT', retryable: false });
    expect(t.error!.message).toMatch(/no upload/);
  }, 60_000);
});

describe('design, convert and bad input over HTTP', () => {
  it('designs voices that are listed and usable', async () => {
    const t = await runTask(a, { capability: 'voice', action: 'design', input: { description: 'deep, slow male narrator', text: 'Welcome to the show.' } });
    expect(t.status, JSON.stringify(t.error)).toBe('succeeded');
    const voices = t.result!.voices as Array<{ voice_id: string }>;
    expect(voices.length).toBeGreaterThanOrEqual(3);
    expect(t.result!.files).toHaveLength(voices.length);
    const listed = (await a.get('/v1/voices')).body.data.map((v: { id: string }) => v.id);
    for (const v of voices) expect(listed).toContain(v.voice_id);
    for (const f of t.result!.files) expect(medianF0(await decodeFile('wav', await download(f.url)))).toBeLessThan(120);
  }, 120_000);

  it('converts a data URI source to a voice', async () => {
    const uri = `data:audio/wav;base64,${Buffer.from(femaleWav).toString('base64')}`;
    const t = await runTask(a, { capability: 'voice', action: 'convert', input: { source_audio: uri, voice: 'en-us-male-2' } });
    expect(t.status, JSON.stringify(t.error)).toBe('succeeded');
    const out = await decodeFile('wav', await download(t.result!.files[0]!.url));
    expect(medianF0(out)).toBeLessThan(130);
  }, 60_000);

  it('answers 4xx at creation for what is knowable then', async () => {
    const cases: Array<[string, string, Record<string, unknown>]> = [
      ['tts', 'empty text', { text: '   ' }],
      ['tts', 'over-long text', { text: 'a'.repeat(5001) }],
      ['tts', 'unknown language', { text: 'hi', language: 'tlh' }],
      ['tts', 'unsupported format', { text: 'hi', format: 'aac' }],
      ['clone', 'private URL', { reference_audio: 'http://127.0.0.1:9/x.wav', name: 'x' }],
      ['clone', 'bad reference', { reference_audio: 'file:///etc/passwd', name: 'x' }],
      ['clone', 'no name', { reference_audio: 'upl_aaaaaaaaaaaaaaaaaaaaaaaa' }],
      ['design', 'no description', { text: 'hi' }],
      ['convert', 'no target', { source_audio: 'upl_aaaaaaaaaaaaaaaaaaaaaaaa' }],
    ];
    for (const [action, what, input] of cases) {
      const r = await a.post('/v1/tasks', { capability: 'voice', action, input });
      expect(r.status, what).toBe(422);
      expect(r.body.error.code, what).toBe('INVALID_INPUT');
    }
  });

  it('fails at run time with INVALID_INPUT for reference audio that is not speech', async () => {
    const noise = `data:audio/wav;base64,${Buffer.from(new TextEncoder().encode('RIFF....WAVEjunkjunkjunkjunk')).toString('base64')}`;
    const t = await runTask(a, { capability: 'voice', action: 'clone', input: { reference_audio: noise, name: 'x' } });
    expect(t.status).toBe('failed');
    expect(t.error).toMatchObject({ code: 'INVALID_INPUT' });
  }, 60_000);
});

describe('POST /v1/tts/stream', () => {
  const text = Array.from({ length: 30 }, (_, i) => `This is sentence number ${i + 1} of a longer text that is streamed.`).join(' ');

  it('sends the first sentence as soon as it is spoken, then the rest as it comes', async () => {
    for (const format of ['mp3', 'wav']) {
      const res = await fetch(`${server.url}/v1/tts/stream`, {
        method: 'POST', headers: { authorization: `Bearer ${a.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ input: { text, format } }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(format === 'mp3' ? 'audio/mpeg' : 'audio/wav');
      expect(res.headers.get('transfer-encoding')).toBe('chunked');
      const reader = res.body!.getReader();
      const parts: Uint8Array[] = [];
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (value.length) parts.push(value);
      }
      const bytes = new Uint8Array(Buffer.concat(parts));
      // the first bytes to arrive are one sentence of ~30, not the whole text (no timing:
      // bench/voice.mjs measures time to first byte)
      expect(parts.length).toBeGreaterThan(2);
      expect(parts[0]!.length).toBeLessThan(bytes.length / 4);
      if (format === 'wav') {
        // a streaming header says "until the end": patch the sizes the way a reader of a stream would
        const v = new DataView(bytes.buffer, bytes.byteOffset);
        v.setUint32(4, bytes.length - 8, true);
        v.setUint32(40, bytes.length - 44, true);
      }
      const audio = await decodeFile(format, bytes);
      expect(audio.seconds).toBeGreaterThan(60);
    }
  }, 120_000);

  it('answers bad input with a JSON 4xx before any audio', async () => {
    const bad = await a.post('/v1/tts/stream', { input: { text: 'hi', voice: 'voice_000000000000000000000000' } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('INVALID_INPUT');
    expect((await a.post('/v1/tts/stream', { input: { text: '' } })).status).toBe(422);
    expect((await a.post('/v1/tts/stream', { input: { text: 'hi' }, model: 'flite' })).status).toBe(422);
    expect((await a.post('/v1/tts/stream', { input: { text: 'hi' } }, { auth: false })).status).toBe(401);
  });
});
