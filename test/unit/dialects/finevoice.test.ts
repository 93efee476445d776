/** FineVoice mapping, field by field against finevoice-get-task-status.md and the API reference. */
import { describe, expect, it } from 'vitest';
import {
  conversionRequest, errorBody, FINEVOICE_VOICE_DEFAULTS, QUICKSTART_STATUS, speechRequest, STATUS_CODE, stripEmotionTags,
  toCreateResponse, toQuickstartResponse, toTaskResponse,
} from '../../../src/api/dialects/finevoice/map.js';
import { aliasTable } from '../../../src/api/dialects/shared/voices.js';
import { ALL_STATUSES, inState, NOW_MS, rc } from './fixtures.js';

const voices = aliasTable(FINEVOICE_VOICE_DEFAULTS, undefined);

describe('FineVoice TaskQueryResponse (GET /v1/task/{task_id})', () => {
  it('maps every canonical status to the integer of DESIGN.md §3', () => {
    expect(STATUS_CODE).toEqual({ pending: 202, queued: 202, running: 202, succeeded: 200, failed: 500, timed_out: 504, cancelled: 499, expired: 410 });
  });

  it('renders a finished task with every documented field and type', () => {
    const r = toTaskResponse(inState('succeeded'), rc);
    expect(Object.keys(r).sort()).toEqual(['error', 'port', 'service', 'status', 'taskId', 'timestamp', 'url', 'urls']);
    expect(r.status).toBe(200);
    expect(r.taskId).toBe('01900000-0000-7000-8000-000000000001');
    expect(r.url).toMatch(/^https:\/\/genq\.example\/files\/acct\/task-1\/speech\.wav\?expires=\d+&sig=/);
    expect(r.urls).toEqual([r.url]);
    expect(r.error).toBeNull();
    expect(r.service).toBe('espeak-ng');
    expect(typeof r.port).toBe('string');
    expect(r.timestamp).toBe(new Date(NOW_MS).toISOString());
  });

  it('has no url while in progress, and an {code, message} error once it failed', () => {
    for (const s of ALL_STATUSES) {
      const r = toTaskResponse(inState(s), rc);
      expect(r.status).toBe(STATUS_CODE[s]);
      if (s !== 'succeeded') expect([r.url, r.urls]).toEqual([null, []]);
      if (STATUS_CODE[s] === 202 || s === 'succeeded') expect(r.error).toBeNull();
      else expect(r.error).toEqual({ code: inState(s).error!.code, message: inState(s).error!.message });
    }
  });

  it('create answers carry both taskId and the Quickstart task_id', () => {
    const r = toCreateResponse(inState('queued'), rc);
    expect(r.taskId).toBe(r.task_id);
    expect(r.status).toBe(202);
  });
});

describe('FineVoice Quickstart variant (GET /v1/tasks/{task_id})', () => {
  it('uses snake_case task_id and string statuses', () => {
    expect(QUICKSTART_STATUS).toEqual({
      pending: 'pending', queued: 'pending', running: 'processing', succeeded: 'completed',
      failed: 'failed', timed_out: 'failed', cancelled: 'failed', expired: 'failed',
    });
    const done = toQuickstartResponse(inState('succeeded'), rc);
    expect(Object.keys(done).sort()).toEqual(['error', 'status', 'task_id', 'url']);
    expect(done).toMatchObject({ task_id: inState('succeeded').id, status: 'completed', error: null });
    expect(typeof done.url).toBe('string');
    expect(toQuickstartResponse(inState('failed'), rc)).toMatchObject({ status: 'failed', url: null, error: { code: 'PROVIDER_ERROR' } });
  });
});

describe('FineVoice create bodies', () => {
  it('speech-synthesis: the documented example resolves "james" and drops emotion tags', () => {
    expect(speechRequest({ voice: 'james', text: '[happy] Hello! Welcome to FineVoice.' }, voices)).toEqual({
      capability: 'voice', action: 'tts', input: { text: 'Hello! Welcome to FineVoice.', voice: 'en-us-male-1' },
    });
    expect(stripEmotionTags('[sad] I [breathe] see.')).toBe('I see.');
  });

  it('speech-synthesis: genq voice ids and unknown names pass through for the engine to judge', () => {
    expect(speechRequest({ voice: 'en-gb-female-1', text: 'hi' }, voices).input.voice).toBe('en-gb-female-1');
    expect(speechRequest({ voice: 'nobody', text: 'hi' }, voices).input.voice).toBe('nobody');
    expect(speechRequest({ voice: 'JAMES', text: 'hi' }, aliasTable(FINEVOICE_VOICE_DEFAULTS, { james: 'de-de-male-1' })).input.voice).toBe('de-de-male-1');
  });

  it('speech-synthesis: bad bodies are INVALID_REQUEST naming the field', () => {
    const bad = (body: unknown) => {
      try {
        speechRequest(body, voices);
      } catch (e) {
        return (e as { code: string; details: Record<string, unknown> });
      }
      throw new Error('accepted');
    };
    expect(bad({ text: 'hi' })).toMatchObject({ code: 'INVALID_REQUEST', details: { field: 'voice', reason: 'missing' } });
    expect(bad({ voice: 'james', text: 5 })).toMatchObject({ details: { field: 'text', reason: 'string' } });
    expect(bad({ voice: 'james', text: '[happy]' })).toMatchObject({ details: { field: 'text', reason: 'value' } });
    expect(bad({ voice: 'james', text: 'x', speed: 2 })).toMatchObject({ details: { field: 'speed', reason: 'extra' } });
    expect(bad('text')).toMatchObject({ code: 'INVALID_REQUEST' });
  });

  it('voice-conversion maps to voice/convert and reads useAsync', () => {
    expect(conversionRequest({ voice: 'james', sourceUrl: 'https://x/a.wav', outputFormat: 'wav', useAsync: true }, voices)).toEqual({
      request: { capability: 'voice', action: 'convert', input: { source_audio: 'https://x/a.wav', voice: 'en-us-male-1', format: 'wav' } },
      useAsync: true,
    });
    expect(conversionRequest({ voice: 'james', sourceUrl: 'https://x/a.wav' }, voices).useAsync).toBe(false);
    expect(() => conversionRequest({ voice: 'james', sourceUrl: 'https://x', outputFormat: 'ogg' }, voices)).toThrow(/mp3/);
  });
});

describe('FineVoice errors', () => {
  it('validation failures are the documented 422, in the response shape', () => {
    const r = errorBody({ status: 400, code: 'INVALID_REQUEST', message: '"voice" is required', type: 'invalid_request' });
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({ status: 422, error: { code: 'INVALID_REQUEST', message: '"voice" is required' } });
    expect(errorBody({ status: 401, code: 'UNAUTHORIZED', message: 'no key', type: 'authentication' }).status).toBe(401);
    expect(errorBody({ status: 404, code: 'TASK_NOT_FOUND', message: 'gone', type: 'not_found' }).body).toMatchObject({ status: 404, error: { code: 'TASK_NOT_FOUND' } });
    expect(errorBody({ status: 400, code: 'INVALID_JSON', message: 'bad json', type: 'invalid_request' }).status).toBe(400);
  });
});
