/**
 * ModelHunter wire format ↔ the canonical task. Pure functions, unit-tested against the seed
 * page (modelhunter-get-task-status.md) and the list/error pages; see docs/dialects.md.
 */
import type { ClassifiedError } from '../../errors.js';
import type { CreateTaskRequest } from '../../../core/task-service.js';
import type { Task, TaskStatus } from '../../../core/task.js';
import { renderFile, type RenderContext } from '../../native/render.js';
import { asObject, fieldError, obj, rejectUnknown, str } from '../shared/fields.js';
import type { RenderedError } from '../shared/plugin.js';

/** All seven of the vendor's statuses; genq's `timed_out` is a `failed` task with error code TIMEOUT. */
export const STATUS: Record<TaskStatus, string> = {
  pending: 'pending', queued: 'queued', running: 'running', succeeded: 'succeeded',
  failed: 'failed', timed_out: 'failed', cancelled: 'cancelled', expired: 'expired',
};

/** `type` is the media type; every voice action produces audio. */
export const TYPE: Record<string, string> = { voice: 'audio', image: 'image', video: 'video', music: 'music' };

/** The vendor's capability path segment → genq capability/action. */
export const CAPABILITIES: Record<string, { capability: string; action: string }> = {
  'text-to-speech': { capability: 'voice', action: 'tts' },
  'text-to-voice': { capability: 'voice', action: 'design' },
  'voice-design': { capability: 'voice', action: 'design' },
  'voice-clone': { capability: 'voice', action: 'clone' },
  'voice-conversion': { capability: 'voice', action: 'convert' },
  'text-to-image': { capability: 'image', action: 'generate' },
  'image-to-image': { capability: 'image', action: 'generate' },
  'text-to-video': { capability: 'video', action: 'generate' },
  'image-to-video': { capability: 'video', action: 'generate' },
  'text-to-music': { capability: 'music', action: 'generate' },
};

const iso = (ms: number | null) => (ms === null ? undefined : new Date(ms).toISOString());

/**
 * `data` of GET /api/v1/tasks/{id}. `provider` is the provider that ran the task, or before that
 * the one its model routes to (`routedTo`), as the vendor shows it while running. The list
 * endpoint adds `progress` (0–100), `cost` and `started_at`, as its page documents.
 */
export function toTask(t: Task, rc: RenderContext, routedTo: string | null, opts: { list?: boolean } = {}): Record<string, unknown> {
  const status = STATUS[t.status];
  return {
    id: t.id,
    type: TYPE[t.capability] ?? t.capability,
    status,
    provider: t.provider ?? routedTo,
    model: t.model,
    ...(opts.list ? { progress: Math.round((t.progress ?? 0) * 100), cost: t.credits_used } : {}),
    ...(t.status === 'succeeded' && t.result
      ? {
          result: t.result.files.map((f) => {
            const r = renderFile(f, rc);
            return { url: r.url, ...(r.duration_s !== null ? { duration: r.duration_s } : {}), format: r.format, size_bytes: r.size_bytes };
          }),
        }
      : {}),
    ...(status === 'failed' && t.error ? { error: { code: t.error.code, message: t.error.message } } : {}),
    created_at: iso(t.created_at),
    ...(opts.list ? { started_at: iso(t.started_at) } : {}),
    completed_at: iso(t.completed_at),
    ...(t.metadata ? { metadata: t.metadata } : {}),
  };
}

/** POST /api/v1/{provider}/{capability} `{model, input, webhookUrl, metadata}` → a create request. */
export function createRequest(capabilityPath: string, raw: unknown): CreateTaskRequest {
  const route = Object.hasOwn(CAPABILITIES, capabilityPath) ? CAPABILITIES[capabilityPath] : undefined;
  if (!route) {
    throw fieldError(null, 'value', `Unknown capability "${capabilityPath}". Use one of: ${Object.keys(CAPABILITIES).join(', ')}`, 'path');
  }
  const body = asObject(raw);
  rejectUnknown(body, ['model', 'input', 'webhookUrl', 'metadata']);
  const model = str(body, 'model', { max: 128 });
  const input = obj(body, 'input', { required: true })!;
  const webhookUrl = str(body, 'webhookUrl', { max: 2048 });
  const metadata = obj(body, 'metadata');
  return {
    ...route,
    ...(model ? { model } : {}),
    input,
    ...(metadata ? { metadata } : {}),
    // ModelHunter's own body and headers, on every terminal event (docs/webhooks.md)
    ...(webhookUrl ? { webhook: { url: webhookUrl, format: 'modelhunter' } } : {}),
  };
}

/** The vendor's retry rule: only a failed or expired task can be run again (as a new, charged task). */
export const canRetry = (t: Task) => STATUS[t.status] === 'failed' || STATUS[t.status] === 'expired';

/** A new task with the same request as `t`, for POST /api/v1/tasks/{id}/retry. */
export const retryRequest = (t: Task): CreateTaskRequest => ({
  capability: t.capability, action: t.action, model: t.model, input: t.input,
  metadata: t.metadata, webhook: t.webhook,
});

/** genq code → the vendor's documented code and status (error-handling page). */
function vendorCode(e: ClassifiedError, hasAuthHeader: boolean): { status: number; code: string } {
  if (e.status === 401) return { status: 401, code: hasAuthHeader ? 'AUTH_INVALID_TOKEN' : 'AUTH_REQUIRED' };
  if (e.code === 'UNKNOWN_MODEL') return { status: 404, code: 'MODEL_NOT_FOUND' };
  if (e.code === 'TASK_NOT_FOUND' || e.code === 'NOT_FOUND') return { status: 404, code: e.code };
  if (e.status === 400) return { status: 400, code: e.code === 'INVALID_JSON' ? 'VALIDATION_ERROR' : 'INVALID_PARAMETER' };
  if (e.status === 422) return { status: 422, code: 'VALIDATION_ERROR' };
  if (e.status === 402) return { status: 402, code: 'INSUFFICIENT_BALANCE' };
  if (e.status === 429) return { status: 429, code: 'RATE_LIMIT_EXCEEDED' };
  if (e.status === 502) return { status: 502, code: 'PROVIDER_ERROR' };
  if (e.status === 503) return { status: 503, code: 'SERVICE_UNAVAILABLE' };
  if (e.status >= 500) return { status: 500, code: 'INTERNAL_ERROR' };
  return { status: e.status, code: e.code };
}

/** `{success:false, error:{code, message, details}}`, the vendor's one error envelope. */
export function errorBody(e: ClassifiedError, hasAuthHeader = false): RenderedError {
  const { status, code } = vendorCode(e, hasAuthHeader);
  return { status, body: { success: false, error: { code, message: e.message, ...(e.details ? { details: e.details } : {}) } } };
}
