/**
 * Body and upload size caps (docs/limits.md): GENQ_BODY_LIMIT_BYTES for JSON routes,
 * GENQ_BATCH_BODY_LIMIT_BYTES for POST /v1/tasks/batch and GENQ_UPLOAD_LIMIT_BYTES for
 * POST /v1/uploads. Over the cap → 413 in the caller's dialect, and nothing is written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Api, startWithKey, stopAll, type ApiResponse, type CreatedKey, type GenqServer } from '../helpers/server.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const BODY = 2048;
const BATCH = 8192;
const UPLOAD = 4096;

let server: GenqServer;
let key: CreatedKey;
let api: Api;

beforeAll(async () => {
  ({ server, key, api } = await startWithKey({
    env: {
      GENQ_ENABLE_NOOP: '1',
      GENQ_BODY_LIMIT_BYTES: String(BODY),
      GENQ_BATCH_BODY_LIMIT_BYTES: String(BATCH),
      GENQ_UPLOAD_LIMIT_BYTES: String(UPLOAD),
    },
  }));
});
afterAll(stopAll);

const noop = (text: string) => ({ capability: 'voice', action: 'tts', model: 'noop', input: { text } });
const taskIds = async () => (await api.listAll()).map((t) => t.id);

function expectTooLarge(r: ApiResponse): void {
  expect(r.status, r.text).toBe(413);
  expect(r.body?.error?.code, r.text).toBe('PAYLOAD_TOO_LARGE');
}

/** a mono 16-bit 8 kHz WAV of silence, `size` bytes long in all */
function wav(size: number): Buffer {
  const data = size - 44;
  const b = Buffer.alloc(size);
  b.write('RIFF', 0, 'ascii');
  b.writeUInt32LE(size - 8, 4);
  b.write('WAVEfmt ', 8, 'ascii');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20); // PCM
  b.writeUInt16LE(1, 22); // mono
  b.writeUInt32LE(8000, 24);
  b.writeUInt32LE(16000, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36, 'ascii');
  b.writeUInt32LE(data, 40);
  return b;
}

/** every stored upload of the account (local storage: <data-dir>/files/<account>/uploads) */
function uploadFiles(): string[] {
  const dir = path.join(server.dataDir, 'files', key.account_id, 'uploads');
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
}

describe('POST /v1/tasks (GENQ_BODY_LIMIT_BYTES)', () => {
  it('413 over the cap, nothing created; accepted under it', async () => {
    expectTooLarge(await api.post('/v1/tasks', noop('x'.repeat(BODY + 100))));
    expect(await taskIds()).toEqual([]);
    const ok = await api.post('/v1/tasks', noop('x'.repeat(BODY - 200)));
    expect(ok.status).toBe(202);
    expect(await taskIds()).toEqual([ok.body.id]);
    await api.post(`/v1/tasks/${ok.body.id}/cancel`);
  });
});

describe('POST /v1/tasks/batch (GENQ_BATCH_BODY_LIMIT_BYTES)', () => {
  it('has its own cap: over the body cap but under the batch cap is accepted; over the batch cap is 413 with nothing created', async () => {
    const before = await taskIds();
    const tooBig = { tasks: [noop('y'.repeat(BATCH / 2)), noop('y'.repeat(BATCH / 2))] };
    expectTooLarge(await api.post('/v1/tasks/batch', tooBig));
    expect(await taskIds()).toEqual(before);
    const fits = { tasks: [noop('z'.repeat(BATCH / 4)), noop('z'.repeat(BATCH / 4))] };
    expect(JSON.stringify(fits).length).toBeGreaterThan(BODY);
    const ok = await api.post('/v1/tasks/batch', fits);
    expect(ok.status, ok.text).toBe(202);
    expect((await taskIds()).length).toBe(before.length + 2);
  });
});

describe('POST /v1/uploads (GENQ_UPLOAD_LIMIT_BYTES)', () => {
  const upload = (bytes: Buffer) => api.request('POST', '/v1/uploads', { rawBody: bytes as unknown as string, headers: { 'content-type': 'audio/wav' } });

  it('413 over the cap, nothing stored; accepted under it', async () => {
    expectTooLarge(await upload(wav(UPLOAD + 1000)));
    expect(uploadFiles()).toEqual([]);
    const ok = await upload(wav(UPLOAD - 500));
    expect(ok.status, ok.text).toBe(201);
    expect(ok.body.size_bytes).toBe(UPLOAD - 500);
    expect(uploadFiles()).toEqual([ok.body.id]);
  });
});

describe('dialect creates (GENQ_BODY_LIMIT_BYTES)', () => {
  it('FineVoice: 413 in its shape, nothing created', async () => {
    const before = await taskIds();
    const r = await api.post('/finevoice/v1/audio/speech-synthesis', { voice: 'james', text: 'x'.repeat(BODY + 100) });
    expect(r.status, r.text).toBe(413);
    expect(r.body).toMatchObject({ status: 413, error: { code: 'PAYLOAD_TOO_LARGE', message: expect.any(String) } });
    expect(await taskIds()).toEqual(before);
  });

  it('CAMB.AI: 413 as {detail}, nothing created', async () => {
    const before = await taskIds();
    const r = await api.post('/camb/tts', { text: 'x'.repeat(BODY + 100), voice_id: 1, language: 1 }, { auth: false, headers: { 'x-api-key': key.key } });
    expect(r.status, r.text).toBe(413);
    expect(r.body).toEqual({ detail: expect.any(String) });
    expect(await taskIds()).toEqual(before);
  });
});
