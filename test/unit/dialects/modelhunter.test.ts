/** ModelHunter mapping, field by field against modelhunter-get-task-status.md and the list/error pages. */
import { describe, expect, it } from 'vitest';
import { canRetry, CAPABILITIES, createRequest, errorBody, retryRequest, STATUS, toTask, TYPE } from '../../../src/api/dialects/modelhunter/map.js';
import { ALL_STATUSES, inState, rc } from './fixtures.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;

describe('ModelHunter task (GET /api/v1/tasks/{id})', () => {
  it('speaks all seven statuses; timed_out is failed', () => {
    expect(new Set(Object.values(STATUS))).toEqual(new Set(['pending', 'queued', 'running', 'succeeded', 'failed', 'cancelled', 'expired']));
    expect(STATUS.timed_out).toBe('failed');
    expect(TYPE).toEqual({ voice: 'audio', image: 'image', video: 'video', music: 'music' });
  });

  it('renders the "200 Succeeded" example field by field', () => {
    const t = inState('succeeded', { metadata: { project: 'demo' } });
    const d = toTask(t, rc, 'espeak-ng');
    expect(Object.keys(d)).toEqual(['id', 'type', 'status', 'provider', 'model', 'result', 'created_at', 'completed_at', 'metadata']);
    expect(d).toMatchObject({ id: t.id, type: 'audio', status: 'succeeded', provider: 'espeak-ng', model: 'espeak-ng', metadata: { project: 'demo' } });
    const [item] = d.result as Array<Record<string, unknown>>;
    expect(Object.keys(item!)).toEqual(['url', 'duration', 'format', 'size_bytes']);
    expect(item).toMatchObject({ duration: 1.27, format: 'wav', size_bytes: 55852 });
    // signed, valid 15 minutes, rounded up to the minute (render.ts fileUrlExpiry)
    const u = new URL(item!.url as string);
    const expires = Number(u.searchParams.get('expires'));
    expect(expires - Math.floor(rc.nowMs / 1000)).toBeGreaterThanOrEqual(900);
    expect(expires - Math.floor(rc.nowMs / 1000)).toBeLessThan(960);
    expect(expires % 60).toBe(0);
    expect(d.created_at).toMatch(ISO);
    expect(d.completed_at).toMatch(ISO);
  });

  it('renders the "200 Running" example: no result, no completed_at, routed provider', () => {
    const d = toTask(inState('running', { provider: null, metadata: { project: 'demo' } }), rc, 'espeak-ng');
    expect(Object.keys(d)).toEqual(['id', 'type', 'status', 'provider', 'model', 'created_at', 'completed_at', 'metadata']);
    expect(d.completed_at).toBeUndefined();
    expect(JSON.parse(JSON.stringify(d))).not.toHaveProperty('completed_at');
    expect(d.provider).toBe('espeak-ng');
  });

  it('has error {code, message} only when failed', () => {
    for (const s of ALL_STATUSES) {
      const d = toTask(inState(s), rc, null);
      if (STATUS[s] === 'failed') expect(d.error).toEqual({ code: inState(s).error!.code, message: inState(s).error!.message });
      else expect(d).not.toHaveProperty('error');
      if (s === 'timed_out') expect((d.error as { code: string }).code).toBe('TIMEOUT');
    }
  });

  it('list items add progress (0–100), cost and started_at', () => {
    const d = toTask(inState('succeeded'), rc, null, { list: true });
    expect(d).toMatchObject({ progress: 100, cost: 1 });
    expect(d.started_at).toMatch(ISO);
  });
});

describe('ModelHunter create and retry', () => {
  it('maps /{provider}/{capability} and {model, input, webhookUrl, metadata}', () => {
    expect(createRequest('text-to-speech', { model: 'espeak-ng', input: { text: 'hi' }, webhookUrl: 'https://me/hook', metadata: { project: 'demo' } })).toEqual({
      capability: 'voice', action: 'tts', model: 'espeak-ng', input: { text: 'hi' }, metadata: { project: 'demo' }, webhook: { url: 'https://me/hook', format: 'modelhunter' },
    });
    expect(CAPABILITIES['text-to-video']).toEqual({ capability: 'video', action: 'generate' });
    expect(() => createRequest('text-to-smell', { input: {} })).toThrow(/Unknown capability/);
    expect(() => createRequest('text-to-speech', { model: 'x' })).toThrow(/"input" is required/);
  });

  it('retries only failed or expired tasks, with the same request', () => {
    expect(ALL_STATUSES.filter((s) => canRetry(inState(s)))).toEqual(['failed', 'timed_out', 'expired']);
    const t = inState('failed', { metadata: { a: 1 }, webhook: { url: 'https://me' } });
    expect(retryRequest(t)).toEqual({ capability: 'voice', action: 'tts', model: 'espeak-ng', input: t.input, metadata: { a: 1 }, webhook: { url: 'https://me' } });
  });
});

describe('ModelHunter errors', () => {
  it('renders the seed 404 exactly', () => {
    expect(errorBody({ status: 404, code: 'TASK_NOT_FOUND', message: 'Task not found', type: 'not_found' })).toEqual({
      status: 404, body: { success: false, error: { code: 'TASK_NOT_FOUND', message: 'Task not found' } },
    });
  });

  it('uses the documented codes', () => {
    const code = (status: number, c: string, auth = true) => errorBody({ status, code: c, message: 'm', type: 't' }, auth);
    expect(code(401, 'UNAUTHORIZED', false)).toMatchObject({ status: 401, body: { error: { code: 'AUTH_REQUIRED' } } });
    expect(code(401, 'UNAUTHORIZED')).toMatchObject({ status: 401, body: { error: { code: 'AUTH_INVALID_TOKEN' } } });
    expect(code(422, 'UNKNOWN_MODEL')).toMatchObject({ status: 404, body: { error: { code: 'MODEL_NOT_FOUND' } } });
    expect(code(400, 'INVALID_REQUEST')).toMatchObject({ status: 400, body: { error: { code: 'INVALID_PARAMETER' } } });
    expect(code(422, 'INVALID_INPUT')).toMatchObject({ status: 422, body: { error: { code: 'VALIDATION_ERROR' } } });
    expect(code(402, 'PAYMENT_REQUIRED')).toMatchObject({ status: 402, body: { error: { code: 'INSUFFICIENT_BALANCE' } } });
    expect(code(409, 'TASK_FINISHED')).toMatchObject({ status: 409, body: { success: false, error: { code: 'TASK_FINISHED' } } });
    expect(code(500, 'INTERNAL')).toMatchObject({ status: 500, body: { error: { code: 'INTERNAL_ERROR' } } });
  });
});
