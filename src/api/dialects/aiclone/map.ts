/**
 * aiclonevoicefree v2 wire format ↔ the canonical task. Pure functions, unit-tested against the
 * seed page (aiclonevoicefree-tasks.md) and the v2 create pages; see docs/dialects.md.
 */
import type { ClassifiedError } from '../../errors.js';
import type { CreateTaskRequest } from '../../../core/task-service.js';
import type { Task, TaskStatus } from '../../../core/task.js';
import { renderFile, type RenderContext } from '../../native/render.js';
import { arr, asObject, bool, compact, int, num, obj, rejectUnknown, str, type Body } from '../shared/fields.js';
import type { RenderedError } from '../shared/plugin.js';

export const STATUS: Record<TaskStatus, 'pending' | 'processing' | 'completed' | 'failed' | 'cancelled'> = {
  pending: 'pending', queued: 'pending', running: 'processing', succeeded: 'completed',
  failed: 'failed', timed_out: 'failed', cancelled: 'cancelled', expired: 'failed',
};

/** aiclonevoicefree names the conversion action `vocal-conversion`; the others match genq's. */
const ACTION: Record<string, string> = { convert: 'vocal-conversion' };

const unix = (ms: number | null) => (ms === null ? null : Math.floor(ms / 1000));

/** The result fields flattened onto the top level, present only once the task completed. */
function resultFields(t: Task, rc: RenderContext): Record<string, unknown> {
  if (t.status !== 'succeeded' || !t.result) return {};
  const file = t.result.files[0] ? renderFile(t.result.files[0], rc) : null;
  const common = { degraded: t.degraded, providerUsed: t.provider };
  switch (t.capability) {
    case 'image':
      return { _type: 'image.generate', imageUrl: file?.url ?? null, width: file?.width ?? null, height: file?.height ?? null, ...common };
    case 'video':
      return { _type: 'video.generate', videoUrl: file?.url ?? null, durationSeconds: file?.duration_s ?? null, ...common };
    default: {
      // voice (and music): the vendor's own `_type` prefix for voice results is `tts.`
      const prefix = t.capability === 'voice' ? 'tts' : t.capability;
      const voiceIds = t.result.voice_id ? { voice_id: t.result.voice_id } : {};
      return { _type: `${prefix}.${t.action}`, format: file?.format ?? null, audioUrl: file?.url ?? null, ...voiceIds, ...common };
    }
  }
}

/** GET /api/v2/tasks/{task_id}: the unified shape, unix-second times, result flattened when completed. */
export function toTask(t: Task, rc: RenderContext): Record<string, unknown> {
  return {
    task_id: t.id,
    status: STATUS[t.status],
    capability: t.capability,
    action: ACTION[t.action] ?? t.action,
    model: t.model,
    progress: t.progress,
    // a queued retry keeps its last error internally; the vendor shows one only once the task has ended
    error: t.error && (STATUS[t.status] === 'failed' || STATUS[t.status] === 'cancelled') ? { code: t.error.code, message: t.error.message, type: t.error.type } : null,
    credits_used: t.credits_used,
    created_at: unix(t.created_at),
    completed_at: unix(t.completed_at),
    metadata: t.metadata,
    ...resultFields(t, rc),
  };
}

/** The 202 answer of every create endpoint. */
export const toCreated = (t: Task) => ({
  task_id: t.id, status: STATUS[t.status], capability: t.capability, action: ACTION[t.action] ?? t.action,
  model: t.model, error: null, created_at: unix(t.created_at),
});

/**
 * Vendor model names choose among the vendor's own upstreams; genq serves a capability with
 * its default model instead. A genq model id passes through, anything else reaches the core
 * (which answers UNKNOWN_MODEL).
 */
export const VENDOR_MODELS = new Set(['v2-emotion', 'v1-real', 'v3-qwen', 'omni', 'voxcpm', 'gpt-image-2', 'kling-v3', 'sora-2']);
const model = (body: Body) => {
  const m = str(body, 'model', { max: 128 });
  return m === undefined || VENDOR_MODELS.has(m) ? undefined : m;
};
const metadataOf = (body: Body) => obj(body, 'metadata');

const CLONE_FIELDS = ['text', 'reference_audio_url', 'model', 'speed_ratio', 'pitch_ratio', 'volume_ratio', 'generate_subtitle',
  'subtitle_language', 'compact_mode', 'compact_max_silence_ms', 'metadata', 'voice_id'];

/** genq saves every clone as a named voice of the account; the vendor's request names none. */
export const DEFAULT_CLONE_NAME = 'aiclonevoicefree clone';

/**
 * POST /api/v2/voice/clone → voice/clone: the reference recording becomes a saved voice and
 * `text` is spoken in it (the flattened `audioUrl`). `voice_id`, when given, names the voice.
 */
export function cloneRequest(raw: unknown): CreateTaskRequest {
  const body = asObject(raw);
  rejectUnknown(body, CLONE_FIELDS);
  // accepted for compatibility, without effect on the local engines (docs/dialects.md)
  num(body, 'speed_ratio'); num(body, 'pitch_ratio'); num(body, 'volume_ratio'); bool(body, 'generate_subtitle');
  str(body, 'subtitle_language'); bool(body, 'compact_mode'); int(body, 'compact_max_silence_ms');
  const input = {
    text: str(body, 'text', { required: true }),
    reference_audio: str(body, 'reference_audio_url', { required: true }),
    name: str(body, 'voice_id', { max: 100 }) ?? DEFAULT_CLONE_NAME,
  };
  return compact({ capability: 'voice', action: 'clone', model: model(body), input, metadata: metadataOf(body) }) as CreateTaskRequest;
}

/** POST /api/v2/image/generate → image/generate. */
export function imageRequest(raw: unknown): CreateTaskRequest {
  const body = asObject(raw);
  rejectUnknown(body, ['prompt', 'model', 'size', 'image_urls', 'seed', 'metadata']);
  const input = compact({ prompt: str(body, 'prompt', { required: true }), size: str(body, 'size'), image_urls: arr(body, 'image_urls'), seed: int(body, 'seed') });
  return compact({ capability: 'image', action: 'generate', model: model(body), input, metadata: metadataOf(body) }) as CreateTaskRequest;
}

/** POST /api/v2/video/generate → video/generate; the vendor's many knobs pass through as input. */
export function videoRequest(raw: unknown): CreateTaskRequest {
  const body = asObject(raw);
  str(body, 'prompt', { required: true });
  const { model: _m, metadata: _md, ...input } = body;
  return compact({ capability: 'video', action: 'generate', model: model(body), input, metadata: metadataOf(body) }) as CreateTaskRequest;
}

/**
 * Errors: the v2 docs list the statuses (401, 402, 404) but no body; genq answers
 * `{error:{code,message,type}}`, the same object a failed task carries.
 */
export function errorBody(e: ClassifiedError): RenderedError {
  const body = { error: { code: e.code, message: e.message, type: e.type, ...(e.details ? { details: e.details } : {}) } };
  // the vendor's 402 names what was required and what the balance is beside the error
  if (e.status === 402 && e.details) return { status: 402, body: { ...body, required: e.details.required, balance: e.details.balance } };
  return { status: e.status, body };
}
