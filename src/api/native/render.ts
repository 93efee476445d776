/** The canonical task in the native wire shape: ISO 8601 times, signed file URLs. */
import type { Task, StoredFile } from '../../core/task.js';
import { signedPath, type UrlSigner } from '../../storage/url-signer.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export interface RenderContext {
  signer: UrlSigner;
  baseUrl: string;
  fileUrlTtlS: number;
  nowMs: number;
  /** storage that signs its own download URLs (S3): the URL for a key until expiresAtS; absent = genq's /files/… */
  fileUrl?: (key: string, expiresAtS: number) => string;
}

export interface RenderedFile {
  url: string;
  url_expires_at: string;
  format: string;
  content_type: string;
  size_bytes: number;
  duration_s: number | null;
  width?: number | null;
  height?: number | null;
}

/**
 * When a file URL made at `nowMs` expires, unix seconds: at least the TTL from now, rounded up
 * to a grid step (a minute, or a tenth of a shorter TTL). Polls within one step get the same
 * URL, which a client or a CDN can cache, and genq can answer a finished task from its cache
 * of rendered answers (rendered-cache.ts).
 */
export function fileUrlExpiry(nowMs: number, ttlS: number): number {
  const step = Math.max(1, Math.min(60, Math.floor(ttlS / 10)));
  return Math.ceil((Math.floor(nowMs / 1000) + ttlS) / step) * step;
}

export function renderFile(f: StoredFile, rc: RenderContext): RenderedFile {
  const expires = fileUrlExpiry(rc.nowMs, rc.fileUrlTtlS);
  return {
    url: rc.fileUrl ? rc.fileUrl(f.key, expires) : rc.baseUrl + signedPath(rc.signer, f.key, expires),
    url_expires_at: new Date(expires * 1000).toISOString(),
    format: f.format,
    content_type: f.content_type,
    size_bytes: f.size_bytes,
    duration_s: f.duration_s ?? null,
    ...(f.width != null ? { width: f.width } : {}),
    ...(f.height != null ? { height: f.height } : {}),
  };
}

export function renderTask(t: Task, rc: RenderContext, extra: { queue_position?: number | null } = {}): Record<string, unknown> {
  return {
    id: t.id,
    object: 'task',
    capability: t.capability,
    action: t.action,
    model: t.model,
    provider: t.provider,
    status: t.status,
    progress: t.progress,
    input: t.input,
    result: t.result ? { ...t.result, files: t.result.files.map((f) => renderFile(f, rc)) } : null,
    error: t.error,
    metadata: t.metadata,
    credits_reserved: t.credits_reserved,
    credits_used: t.credits_used,
    attempts: t.attempts,
    max_attempts: t.max_attempts,
    timeout_s: t.timeout_s,
    priority: t.priority,
    idempotency_key: t.idempotency_key,
    webhook: t.webhook,
    run_id: t.run_id,
    degraded: t.degraded,
    created_at: iso(t.created_at),
    started_at: iso(t.started_at),
    completed_at: iso(t.completed_at),
    expires_at: t.started_at === null && t.completed_at === null ? iso(t.expires_at) : null,
    ...(extra.queue_position !== undefined ? { queue_position: extra.queue_position } : {}),
  };
}
