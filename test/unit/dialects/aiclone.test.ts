/** aiclonevoicefree v2 mapping, field by field against aiclonevoicefree-tasks.md. */
import { describe, expect, it } from 'vitest';
import { cloneRequest, errorBody, imageRequest, STATUS, toCreated, toTask, videoRequest } from '../../../src/api/dialects/aiclone/map.js';
import { ALL_STATUSES, AUDIO_FILE, CREATED_MS, inState, NOW_MS, rc } from './fixtures.js';

const SEED_FIELDS = ['task_id', 'status', 'capability', 'action', 'model', 'progress', 'error', 'credits_used', 'created_at', 'completed_at', 'metadata'];

describe('aiclonevoicefree unified task (GET /api/v2/tasks/{task_id})', () => {
  it('maps statuses as DESIGN.md §3 says', () => {
    expect(STATUS).toEqual({
      pending: 'pending', queued: 'pending', running: 'processing', succeeded: 'completed',
      failed: 'failed', timed_out: 'failed', cancelled: 'cancelled', expired: 'failed',
    });
  });

  it('renders the seed example: every field, flattened audioUrl, unix-second times', () => {
    const t = inState('succeeded', { action: 'clone', metadata: { order: 7 } });
    const r = toTask(t, rc);
    for (const f of SEED_FIELDS) expect(r).toHaveProperty(f);
    expect(r).toMatchObject({
      task_id: t.id, status: 'completed', capability: 'voice', action: 'clone', model: 'espeak-ng', progress: 1, error: null,
      credits_used: 1, created_at: Math.floor(CREATED_MS / 1000), completed_at: Math.floor(NOW_MS / 1000), metadata: { order: 7 },
      _type: 'tts.clone', format: 'wav', degraded: false, providerUsed: 'espeak-ng',
    });
    expect(Number.isInteger(r.created_at) && Number.isInteger(r.completed_at)).toBe(true);
    expect(r.audioUrl).toMatch(/^https:\/\/genq\.example\/files\/acct\/task-1\/speech\.wav\?/);
    expect(r).not.toHaveProperty('result');
  });

  it('shows no result field before completion, and an error {code, message, type} once failed', () => {
    for (const s of ALL_STATUSES) {
      const r = toTask(inState(s), rc);
      for (const f of SEED_FIELDS) expect(r).toHaveProperty(f);
      if (s !== 'succeeded') for (const f of ['audioUrl', 'imageUrl', 'videoUrl', '_type', 'format', 'degraded', 'providerUsed']) expect(r).not.toHaveProperty(f);
      const e = inState(s).error;
      if (r.status === 'failed' || r.status === 'cancelled') expect(r.error).toEqual({ code: e!.code, message: e!.message, type: e!.type });
      else expect(r.error).toBeNull();
      expect(r.completed_at === null).toBe(!['succeeded', 'failed', 'timed_out', 'cancelled', 'expired'].includes(s));
    }
  });

  it('flattens image and video results under their own names', () => {
    const img = toTask(inState('succeeded', { capability: 'image', action: 'generate', result: { files: [{ key: 'a/b/i.png', format: 'png', content_type: 'image/png', size_bytes: 9, width: 1024, height: 1024 }] } }), rc);
    expect(img).toMatchObject({ _type: 'image.generate', width: 1024, height: 1024 });
    expect(typeof img.imageUrl).toBe('string');
    const vid = toTask(inState('succeeded', { capability: 'video', action: 'generate', result: { files: [{ key: 'a/b/v.mp4', format: 'mp4', content_type: 'video/mp4', size_bytes: 9, duration_s: 5 }] } }), rc);
    expect(vid).toMatchObject({ _type: 'video.generate', durationSeconds: 5 });
    expect(typeof vid.videoUrl).toBe('string');
    expect(toTask(inState('succeeded', { action: 'convert', result: { files: [AUDIO_FILE] } }), rc)).toMatchObject({ action: 'vocal-conversion', _type: 'tts.convert' });
  });

  it('create answers with the documented 202 body', () => {
    const t = inState('queued', { action: 'clone' });
    expect(toCreated(t)).toEqual({ task_id: t.id, status: 'pending', capability: 'voice', action: 'clone', model: 'espeak-ng', error: null, created_at: Math.floor(CREATED_MS / 1000) });
  });
});

describe('aiclonevoicefree create bodies', () => {
  it('voice/clone: required fields, ratios, metadata; vendor model names use the default model', () => {
    expect(cloneRequest({ text: 'hi', reference_audio_url: 'https://x/r.wav', model: 'v2-emotion', speed_ratio: 1.2, pitch_ratio: 0.9, metadata: { a: 1 }, generate_subtitle: false })).toEqual({
      capability: 'voice', action: 'clone', input: { text: 'hi', reference_audio: 'https://x/r.wav', name: 'aiclonevoicefree clone' }, metadata: { a: 1 },
    });
    expect(cloneRequest({ text: 'hi', reference_audio_url: 'https://x/r.wav', voice_id: 'narrator' }).input.name).toBe('narrator');
    expect(cloneRequest({ text: 'hi', reference_audio_url: 'https://x', model: 'my-clone' }).model).toBe('my-clone');
    expect(() => cloneRequest({ text: 'hi' })).toThrow(/reference_audio_url/);
    expect(() => cloneRequest({ text: 'hi', reference_audio_url: 'https://x', speed_ratio: 'fast' })).toThrow(/speed_ratio/);
    expect(() => cloneRequest({ text: 'hi', reference_audio_url: 'https://x', bogus: 1 })).toThrow(/bogus/);
  });

  it('image and video map onto their capabilities', () => {
    expect(imageRequest({ prompt: 'a cat', model: 'gpt-image-2', size: '1:1', seed: 3 })).toEqual({ capability: 'image', action: 'generate', input: { prompt: 'a cat', size: '1:1', seed: 3 } });
    expect(videoRequest({ prompt: 'waves', model: 'kling-v3', duration: 5, aspect_ratio: '16:9' })).toEqual({
      capability: 'video', action: 'generate', input: { prompt: 'waves', duration: 5, aspect_ratio: '16:9' },
    });
    expect(() => imageRequest({})).toThrow(/prompt/);
  });
});

describe('aiclonevoicefree errors', () => {
  it('keeps the status and shows {error:{code, message, type}}', () => {
    expect(errorBody({ status: 404, code: 'TASK_NOT_FOUND', message: 'no', type: 'not_found' })).toEqual({ status: 404, body: { error: { code: 'TASK_NOT_FOUND', message: 'no', type: 'not_found' } } });
    expect(errorBody({ status: 402, code: 'PAYMENT_REQUIRED', message: 'top up', type: 'payment_required', details: { required: 5, balance: 1 } }).body)
      .toEqual({ error: { code: 'PAYMENT_REQUIRED', message: 'top up', type: 'payment_required', details: { required: 5, balance: 1 } }, required: 5, balance: 1 });
  });
});
