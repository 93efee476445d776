/**
 * FineVoice wire format ↔ the canonical task. Pure functions, unit-tested against the seed page
 * (finevoice-get-task-status.md) and the FineVoice API reference; see docs/dialects.md.
 */
import type { ClassifiedError } from '../../errors.js';
import type { CreateTaskRequest } from '../../../core/task-service.js';
import type { Task, TaskStatus } from '../../../core/task.js';
import { renderFile, type RenderContext } from '../../native/render.js';
import { asObject, bool, compact, fieldError, rejectUnknown, str } from '../shared/fields.js';
import { resolveVoice, type AliasTable } from '../shared/voices.js';
import type { RenderedError } from '../shared/plugin.js';

/** FineVoice's own example voice resolves to a built-in voice, so its documented curl works unchanged. */
export const FINEVOICE_VOICE_DEFAULTS: AliasTable = { james: 'en-us-male-1' };

/** The API reference's integer status: 200 done, 202 in progress; failures use the HTTP code that fits (DESIGN.md §3). */
export const STATUS_CODE: Record<TaskStatus, number> = {
  pending: 202, queued: 202, running: 202, succeeded: 200, failed: 500, timed_out: 504, cancelled: 499, expired: 410,
};

/** The Quickstart's string status (`pending|processing|completed|failed`): every unsuccessful end is `failed`. */
export const QUICKSTART_STATUS: Record<TaskStatus, 'pending' | 'processing' | 'completed' | 'failed'> = {
  pending: 'pending', queued: 'pending', running: 'processing', succeeded: 'completed',
  failed: 'failed', timed_out: 'failed', cancelled: 'failed', expired: 'failed',
};

const urlsOf = (t: Task, rc: RenderContext): string[] =>
  t.status === 'succeeded' && t.result ? t.result.files.map((f) => renderFile(f, rc).url) : [];

const errorOf = (t: Task) => (t.status !== 'succeeded' && t.error && STATUS_CODE[t.status] !== 202 ? { code: t.error.code, message: t.error.message } : null);

/** `TaskQueryResponse` / `AudioTaskResponse` of the API reference (GET /v1/task/{id} and both create endpoints). */
export function toTaskResponse(t: Task, rc: RenderContext): Record<string, unknown> {
  const urls = urlsOf(t, rc);
  return {
    status: STATUS_CODE[t.status],
    url: urls[0] ?? null,
    taskId: t.id,
    error: errorOf(t),
    urls,
    // meaning undocumented: genq puts the provider that ran the task here
    service: t.provider ?? '',
    port: '',
    timestamp: new Date(rc.nowMs).toISOString(),
  };
}

/** The Quickstart's variant (GET /v1/tasks/{id}): snake_case id and a string status. */
export function toQuickstartResponse(t: Task, rc: RenderContext): Record<string, unknown> {
  return { task_id: t.id, status: QUICKSTART_STATUS[t.status], url: urlsOf(t, rc)[0] ?? null, error: errorOf(t) };
}

/** Create answers carry both id spellings, since FineVoice's own pages disagree (`taskId` vs `task_id`). */
export const toCreateResponse = (t: Task, rc: RenderContext) => ({ ...toTaskResponse(t, rc), task_id: t.id });

/** Emotion tags such as `[happy]` steer FineVoice's neural voices; a formant engine would read them aloud. */
export const stripEmotionTags = (text: string) => text.replace(/\[[a-z][a-z _-]{0,30}\]\s*/gi, '').trim();

/** POST /v1/audio/speech-synthesis `{voice, text}` → voice/tts. */
export function speechRequest(raw: unknown, voices: AliasTable): CreateTaskRequest {
  const body = asObject(raw);
  rejectUnknown(body, ['voice', 'text']);
  const voice = str(body, 'voice', { required: true, max: 200 });
  const text = stripEmotionTags(str(body, 'text', { required: true }));
  if (!text) throw fieldError('text', 'value', '"text" holds only emotion tags; send some words to speak');
  return { capability: 'voice', action: 'tts', input: { text, voice: resolveVoice(voices, voice) } };
}

/** POST /v1/audio/voice-conversion `{voice, sourceUrl, outputFormat, useAsync}` → voice/convert. */
export function conversionRequest(raw: unknown, voices: AliasTable): { request: CreateTaskRequest; useAsync: boolean } {
  const body = asObject(raw);
  rejectUnknown(body, ['voice', 'sourceUrl', 'outputFormat', 'useAsync']);
  const voice = str(body, 'voice', { required: true, max: 200 });
  const sourceUrl = str(body, 'sourceUrl', { required: true });
  const format = str(body, 'outputFormat');
  if (format !== undefined && format !== 'mp3' && format !== 'wav') throw fieldError('outputFormat', 'value', '"outputFormat" must be "mp3" or "wav"');
  const input = compact({ source_audio: sourceUrl, voice: resolveVoice(voices, voice), format });
  // FineVoice converts synchronously unless useAsync is true
  return { request: { capability: 'voice', action: 'convert', input }, useAsync: bool(body, 'useAsync') ?? false };
}

/**
 * FineVoice documents 401 and 422 without a body; genq answers in the response shape itself,
 * `{status, error:{code,message}}`, and sends every validation failure as the documented 422.
 */
export function errorBody(e: ClassifiedError): RenderedError {
  const validation = e.status === 400 && e.code !== 'INVALID_JSON';
  const status = validation || e.code === 'UNKNOWN_MODEL' ? 422 : e.status;
  // a 402 says what was required and what the balance is (details), like every dialect's
  const extra = e.status === 402 && e.details ? e.details : {};
  return { status, body: { status, error: { code: e.code, message: e.message, ...extra }, timestamp: new Date().toISOString() } };
}
