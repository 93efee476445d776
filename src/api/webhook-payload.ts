/**
 * The body of a webhook message, per format. Rendered at send time from the task as it was at
 * the event (stored with the message), so file URLs are signed afresh on every attempt.
 *
 * - native (Standard Webhooks convention): `{"type": "task.succeeded", "timestamp": ISO, "data": <task>}`
 *   where the task is exactly what GET /v1/tasks/{id} shows.
 * - modelhunter: `{"id": "msg_…", "type": "task.completed" | "task.failed", "created_at": ISO,
 *   "data": {"task": <the task as GET /modelhunter/api/v1/tasks/{id} shows it>}}`.
 */
import type { Task } from '../core/task.js';
import type { Delivery } from '../store/store.js';
import { renderTask, type RenderContext } from './native/render.js';
import { toTask } from './dialects/modelhunter/map.js';

export interface WebhookPayload {
  body: string;
  /** the event as the format names it (the body's `type`) */
  type: string;
}

/** ModelHunter documents two events: a succeeded task is `task.completed`, every other ending `task.failed`. */
export function modelhunterEvent(event: string): string {
  if (event === 'task.succeeded') return 'task.completed';
  if (event.startsWith('task.') && event !== 'task.running') return 'task.failed';
  return event;
}

/**
 * `routedTo` names the provider a model routes to, for tasks that never started (ModelHunter
 * shows a provider on every task).
 */
export function webhookPayload(d: Pick<Delivery, 'id' | 'event' | 'format' | 'task' | 'created_at'>, rc: RenderContext, routedTo: (model: string) => string | null = () => null): WebhookPayload {
  const task = JSON.parse(d.task) as Task;
  const at = new Date(d.created_at).toISOString();
  if (d.format === 'modelhunter') {
    const type = modelhunterEvent(d.event);
    return { type, body: JSON.stringify({ id: d.id, type, created_at: at, data: { task: toTask(task, rc, routedTo(task.model)) } }) };
  }
  return { type: d.event, body: JSON.stringify({ type: d.event, timestamp: at, data: renderTask(task, rc) }) };
}

export interface RendererOptions {
  signer: RenderContext['signer'];
  /** where file URLs point: GENQ_PUBLIC_URL, else this server's own address */
  baseUrl: string;
  fileUrlTtlS: number;
  storage: { presignedUrl?: (key: string, expiresAtS: number) => string };
  routedTo?: (model: string) => string | null;
}

/** The deliverer's `render`: each message's body with file URLs signed at `nowMs`, exactly as the API would sign them. */
export function webhookRenderer(o: RendererOptions): (d: Delivery, nowMs: number) => WebhookPayload {
  const presign = o.storage.presignedUrl?.bind(o.storage);
  return (d, nowMs) => webhookPayload(d, { signer: o.signer, baseUrl: o.baseUrl, fileUrlTtlS: o.fileUrlTtlS, nowMs, ...(presign ? { fileUrl: presign } : {}) }, o.routedTo);
}
