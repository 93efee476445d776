/** CAMB.AI mapping against camb-tts-task-status.md, camb-text-to-voice-task-status.md and the SDK's types. */
import { describe, expect, it } from 'vitest';
import type { OrchestratorPipelineResult, CreateTtsRequestPayload, HttpValidationError } from '@camb-ai/sdk/dist/api/index.js';
import { cambStatus, outputType, runIdsOf, streamRequest, textToVoiceRequest, toStatus, ttsRequest } from '../../../src/api/dialects/camb/map.js';
import { errorBody, validationItem } from '../../../src/api/dialects/camb/errors.js';
import { CAMB_LANGUAGES, CAMB_VOICE_DEFAULTS, genderCode, languageById, tagOfCode } from '../../../src/api/dialects/camb/tables.js';
import { aliasTable } from '../../../src/api/dialects/shared/voices.js';
import { ALL_STATUSES, inState } from './fixtures.js';

const voices = aliasTable(CAMB_VOICE_DEFAULTS, undefined);
const SEED_STATUSES = ['SUCCESS', 'PENDING', 'TIMEOUT', 'ERROR', 'PAYMENT_REQUIRED'];

const thrown = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e as { status: number; code: string; message: string; type: string; details?: Record<string, unknown> };
  }
  throw new Error('accepted');
};
const item = (fn: () => unknown) => validationItem(thrown(fn));

describe('CAMB.AI status (GET /tts/{id}, GET /text-to-voice/{id})', () => {
  it('maps canonical statuses onto the seed TaskStatus enum', () => {
    const got = Object.fromEntries(ALL_STATUSES.map((s) => [s, cambStatus(inState(s))]));
    expect(got).toEqual({
      pending: 'PENDING', queued: 'PENDING', running: 'PENDING', succeeded: 'SUCCESS',
      failed: 'ERROR', timed_out: 'TIMEOUT', cancelled: 'ERROR', expired: 'ERROR',
    });
    const payment = inState('failed', { error: { code: 'PAYMENT_REQUIRED', message: 'Add credits', type: 'payment_required', retryable: false } });
    expect(cambStatus(payment)).toBe('PAYMENT_REQUIRED');
    for (const s of Object.values(got)) expect(SEED_STATUSES).toContain(s);
  });

  it('is an OrchestratorPipelineResult: integer run_id once SUCCESS, null before', () => {
    const ok: OrchestratorPipelineResult = toStatus(inState('succeeded')) as unknown as OrchestratorPipelineResult;
    expect(ok).toEqual({ status: 'SUCCESS', run_id: 42 });
    expect(toStatus(inState('running'))).toEqual({ status: 'PENDING', run_id: null });
  });

  it('gives unsuccessful ends the message and exception_reason the SDK poll helper reads', () => {
    expect(toStatus(inState('failed'))).toEqual({ status: 'ERROR', run_id: null, exception_reason: 'PROCESSING_ERROR', message: 'Content policy violation' });
    expect(toStatus(inState('timed_out'))).toMatchObject({ status: 'TIMEOUT', exception_reason: 'PROCESSING_ERROR' });
    const payment = inState('failed', { error: { code: 'PAYMENT_REQUIRED', message: 'Add credits', type: 'payment_required', retryable: false } });
    expect(toStatus(payment)).toEqual({ status: 'PAYMENT_REQUIRED', run_id: null, exception_reason: 'PAYMENT_REQUIRED', message: 'Add credits' });
    expect(toStatus(inState('cancelled'))).toMatchObject({ status: 'ERROR', message: 'The task was cancelled' });
  });
});

describe('CAMB.AI create bodies', () => {
  it('POST /tts: integer voice_id and language through the alias and language tables', () => {
    const body: CreateTtsRequestPayload = { text: 'Hello', voice_id: 20303, language: 1, gender: 2, age: 30, project_name: 'p' };
    expect(ttsRequest(body, voices)).toEqual({
      capability: 'voice', action: 'tts', input: { text: 'Hello', voice: 'en-us-female-1', language: 'en-US' }, metadata: { project_name: 'p' },
    });
    expect(ttsRequest({ text: 'Hallo', voice_id: '7', language: 31.0 }, voices).input).toEqual({ text: 'Hallo', voice: 'de-de-male-1', language: 'de-DE' });
    // FastAPI ignores unknown fields
    expect(() => ttsRequest({ text: 'x', voice_id: 1, language: 1, extra: true }, voices)).not.toThrow();
  });

  it('POST /tts: FastAPI-style errors with pydantic types and body locations', () => {
    expect(item(() => ttsRequest({ voice_id: 1, language: 1 }, voices))).toEqual({ loc: ['body', 'text'], msg: 'Field required', type: 'missing' });
    expect(item(() => ttsRequest({ text: 'x', voice_id: 'abc', language: 1 }, voices))).toMatchObject({ loc: ['body', 'voice_id'], type: 'int_parsing' });
    expect(item(() => ttsRequest({ text: 'x', voice_id: 1, language: 2 }, voices))).toMatchObject({ loc: ['body', 'language'], type: 'value_error' });
    expect(item(() => ttsRequest({ text: 'x', voice_id: 1, language: 1, gender: 5 }, voices))).toMatchObject({ loc: ['body', 'gender'], type: 'value_error' });
    expect(item(() => ttsRequest(undefined, voices))).toMatchObject({ loc: ['body'], type: 'missing' });
  });

  it('POST /tts-stream: string language codes (en-uk is British) and output formats', () => {
    expect(streamRequest({ text: 'hi', language: 'en-us', voice_id: 3 }, voices)).toEqual({
      request: { capability: 'voice', action: 'tts', input: { text: 'hi', voice: 'en-us-female-1', language: 'en-US' } }, format: 'wav',
    });
    expect(streamRequest({ text: 'hi', language: 'en-uk', voice_id: 5, output_configuration: { format: 'flac' } }, voices)).toMatchObject({
      request: { input: { language: 'en-GB' } }, format: 'flac',
    });
    expect(streamRequest({ text: 'hi', language: 'en-us', voice_id: 1, output_configuration: { format: 'mp3' } }, voices).request.input.format).toBe('mp3');
    expect(item(() => streamRequest({ text: 'hi', language: 'en-us', voice_id: 1, output_configuration: { format: 'adts' } }, voices)))
      .toMatchObject({ loc: ['body', 'output_configuration', 'format'], type: 'value_error' });
  });

  it('POST /text-to-voice → voice/design {description, text}', () => {
    expect(textToVoiceRequest({ text: 'Hello', voice_description: 'a warm, low, slow voice', folder_id: 3 })).toEqual({
      capability: 'voice', action: 'design', input: { description: 'a warm, low, slow voice', text: 'Hello' }, metadata: { folder_id: 3 },
    });
    expect(item(() => textToVoiceRequest({ text: 'x' }))).toEqual({ loc: ['body', 'voice_description'], msg: 'Field required', type: 'missing' });
  });

  it('POST /tts-results and output_type', () => {
    expect(runIdsOf({ run_ids: [1, '2'] })).toEqual([1, 2]);
    expect(item(() => runIdsOf({ run_ids: [1, 'x'] }))).toMatchObject({ loc: ['body', 'run_ids', 1], type: 'int_parsing' });
    expect([outputType(undefined), outputType('FILE_URL'), outputType('raw_bytes')]).toEqual(['raw_bytes', 'file_url', 'raw_bytes']);
    expect(item(() => outputType('zip'))).toMatchObject({ loc: ['query', 'output_type'] });
  });
});

describe('CAMB.AI tables', () => {
  it('uses the vendor ids confirmed by public examples, and genq numbers from 9001 otherwise', () => {
    expect([1, 31, 54, 76, 88].map((id) => languageById(id)?.short_name)).toEqual(['en-us', 'de-de', 'es-es', 'fr-fr', 'ja-jp']);
    for (const l of CAMB_LANGUAGES) expect([1, 31, 54, 76, 88].includes(l.id) || l.id > 9000).toBe(true);
    expect(tagOfCode('en-uk')).toBe('en-GB');
    expect(tagOfCode('pt-br')).toBe('pt-BR');
    expect([genderCode('male'), genderCode('female'), genderCode('neutral'), genderCode(null)]).toEqual([1, 2, 9, 0]);
  });
});

describe('CAMB.AI errors', () => {
  it('422 {detail:[{loc,msg,type}]} for validation and for a capability nothing serves yet', () => {
    const r = errorBody({ status: 422, code: 'UNKNOWN_MODEL', message: 'No model on this server serves voice/design yet', type: 'invalid_request' });
    const body = r.body as HttpValidationError;
    expect(r.status).toBe(422);
    expect(body.detail).toEqual([{ loc: ['body'], msg: 'No model on this server serves voice/design yet', type: 'value_error' }]);
    // the engine's field names become the vendor's
    expect(validationItem({ status: 422, code: 'INVALID_INPUT', message: 'Unknown voice', type: 'invalid_request', details: { field: 'voice' } }).loc).toEqual(['body', 'voice_id']);
    expect(validationItem({ status: 400, code: 'INVALID_JSON', message: 'x', type: 'invalid_request' })).toEqual({ loc: ['body'], msg: 'JSON decode error', type: 'json_invalid' });
    expect(validationItem({ status: 400, code: 'INVALID_REQUEST', message: 'Prefer: wait is at most 60', type: 'invalid_request', details: { header: 'prefer' } }).loc).toEqual(['header', 'prefer']);
  });

  it('{detail: message} for everything else', () => {
    expect(errorBody({ status: 404, code: 'TASK_NOT_FOUND', message: 'No task', type: 'not_found' })).toEqual({ status: 404, body: { detail: 'No task' } });
    expect(errorBody({ status: 401, code: 'UNAUTHORIZED', message: 'key', type: 'authentication' })).toEqual({ status: 401, body: { detail: 'key' } });
    expect(errorBody({ status: 400, code: 'INVALID_RUN_ID', message: 'No run 9', type: 'invalid_request' })).toEqual({ status: 400, body: { detail: 'No run 9' } });
  });
});
