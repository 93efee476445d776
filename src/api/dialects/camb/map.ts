/**
 * CAMB.AI wire format ↔ the canonical task. Pure functions, unit-tested against the seed pages
 * (camb-tts-task-status.md, camb-text-to-voice-task-status.md) and the request/response types
 * of the official SDK `@camb-ai/sdk`; see docs/dialects.md.
 */
import type { CreateTaskRequest } from '../../../core/task-service.js';
import type { Task } from '../../../core/task.js';
import { asObject, fieldError, int, obj, str, type Body } from '../shared/fields.js';
import { resolveVoice, type AliasTable } from '../shared/voices.js';
import { GENDER_CODES, languageById, tagOfCode } from './tables.js';

export type CambStatus = 'SUCCESS' | 'PENDING' | 'TIMEOUT' | 'ERROR' | 'PAYMENT_REQUIRED';

/** DESIGN.md §3: everything unfinished is PENDING; only a payment failure has its own status. */
export function cambStatus(t: Task): CambStatus {
  switch (t.status) {
    case 'succeeded':
      return 'SUCCESS';
    case 'pending':
    case 'queued':
    case 'running':
      return 'PENDING';
    case 'timed_out':
      return 'TIMEOUT';
    case 'failed':
      return t.error?.code === 'PAYMENT_REQUIRED' ? 'PAYMENT_REQUIRED' : 'ERROR';
    default:
      return 'ERROR'; // cancelled, expired
  }
}

/** The SDK's `ExceptionReasons` vocabulary, for the `exception_reason` its poll helper reads. */
function exceptionReason(t: Task): string {
  if (t.error?.code === 'PAYMENT_REQUIRED') return 'PAYMENT_REQUIRED';
  if (t.error?.type === 'internal') return 'INTERNAL_ERROR';
  return 'PROCESSING_ERROR';
}

/**
 * `OrchestratorPipelineResult` (GET /tts/{id}, GET /text-to-voice/{id}): `run_id` is given once
 * the task succeeded (the vendor sends null while pending); unsuccessful ends add the `message`
 * and `exception_reason` the SDK's poll helper reads.
 */
export function toStatus(t: Task): Record<string, unknown> {
  const status = cambStatus(t);
  if (status === 'SUCCESS') return { status, run_id: t.run_id };
  if (status === 'PENDING') return { status, run_id: null };
  return { status, run_id: null, exception_reason: exceptionReason(t), message: t.error?.message ?? `The task ended ${t.status}` };
}

function gender(body: Body): void {
  const g = int(body, 'gender');
  if (g !== undefined && !(GENDER_CODES as readonly number[]).includes(g)) {
    throw fieldError('gender', 'value', '"gender" must be 0 (not known), 1 (male), 2 (female) or 9 (not applicable)');
  }
}

/** Project bookkeeping fields the vendor accepts; kept as task metadata so they are not lost. */
function projectMetadata(body: Body): Record<string, unknown> | undefined {
  const m: Record<string, unknown> = {};
  for (const f of ['project_name', 'project_description'] as const) {
    const v = str(body, f);
    if (v !== undefined) m[f] = v;
  }
  const folder = int(body, 'folder_id');
  if (folder !== undefined) m.folder_id = folder;
  return Object.keys(m).length ? m : undefined;
}

const voiceOf = (body: Body, voices: AliasTable) => resolveVoice(voices, String(int(body, 'voice_id', { required: true })));

/**
 * POST /tts `{text, voice_id:int, language:int, gender?, age?, project_*?, folder_id?}` → voice/tts.
 * Like FastAPI, unknown fields are ignored; gender and age are checked but do not change the
 * voice, which voice_id already names.
 */
export function ttsRequest(raw: unknown, voices: AliasTable): CreateTaskRequest {
  const body = asObject(raw);
  const text = str(body, 'text', { required: true });
  const voice = voiceOf(body, voices);
  const languageId = int(body, 'language', { required: true });
  const language = languageById(languageId);
  if (!language) throw fieldError('language', 'value', `Language ${languageId} is not offered by this server; GET /source-languages lists the ids it speaks`);
  gender(body);
  int(body, 'age');
  const metadata = projectMetadata(body);
  return { capability: 'voice', action: 'tts', input: { text, voice, language: language.tag }, ...(metadata ? { metadata } : {}) };
}

/** What `/tts-stream` answers with; `wav` when the client names no format (the vendor's own default is mp3). */
export type StreamFormat = 'wav' | 'flac' | 'pcm_s16le' | 'mp3';
const STREAM_FORMATS: readonly string[] = ['wav', 'flac', 'pcm_s16le', 'mp3'];

/** POST /tts-stream `{text, language:"en-us", voice_id:int, speech_model?, output_configuration?…}`. */
export function streamRequest(raw: unknown, voices: AliasTable): { request: CreateTaskRequest; format: StreamFormat } {
  const body = asObject(raw);
  const text = str(body, 'text', { required: true });
  const code = str(body, 'language', { required: true, max: 16 });
  if (!/^\s*[a-z]{2,3}(?:[-_][a-z0-9]{2,8})?\s*$/i.test(code)) throw fieldError('language', 'value', `"language" must be a language code such as "en-us", got ${JSON.stringify(code)}`);
  const voice = voiceOf(body, voices);
  str(body, 'speech_model');
  str(body, 'user_instructions');
  const out = obj(body, 'output_configuration') ?? {};
  const format = str(out, 'format') ?? 'wav';
  if (!STREAM_FORMATS.includes(format)) {
    throw fieldError('output_configuration.format', 'value', `Output format "${format}" is not offered by this server; use one of: ${STREAM_FORMATS.join(', ')}`);
  }
  // mp3 is asked of the engine itself; every other format is re-encoded from its WAV
  const input = { text, voice, language: tagOfCode(code), ...(format === 'mp3' ? { format: 'mp3' } : {}) };
  return { request: { capability: 'voice', action: 'tts', input }, format: format as StreamFormat };
}

/** POST /text-to-voice `{text, voice_description, project_*?, folder_id?}` → voice/design. */
export function textToVoiceRequest(raw: unknown): CreateTaskRequest {
  const body = asObject(raw);
  const text = str(body, 'text', { required: true });
  const description = str(body, 'voice_description', { required: true });
  const metadata = projectMetadata(body);
  return { capability: 'voice', action: 'design', input: { description, text }, ...(metadata ? { metadata } : {}) };
}

/** POST /tts-results `{run_ids:[int]}`. */
export function runIdsOf(raw: unknown): number[] {
  const body = asObject(raw);
  const ids = body.run_ids;
  if (ids === undefined || ids === null) throw fieldError('run_ids', 'missing', '"run_ids" is required');
  if (!Array.isArray(ids)) throw fieldError('run_ids', 'array', '"run_ids" must be an array of integers');
  if (ids.length > 100) throw fieldError('run_ids', 'value', '"run_ids" holds at most 100 ids');
  return ids.map((v, i) => int({ [`run_ids.${i}`]: v }, `run_ids.${i}`, { required: true }));
}

/** `output_type` of GET /tts-result: the docs spell it lower case, the SDK's enum upper case. */
export function outputType(raw: unknown): 'raw_bytes' | 'file_url' {
  if (raw === undefined || raw === '') return 'raw_bytes';
  const v = String(raw).toLowerCase();
  if (v === 'raw_bytes' || v === 'file_url') return v;
  throw fieldError('output_type', 'value', '"output_type" must be raw_bytes or file_url', 'query');
}
