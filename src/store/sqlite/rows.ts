/** Task <-> SQLite row mapping: JSON columns as TEXT, booleans as 0/1. */
import type { NewTask, Task } from '../../core/task.js';

export const TASK_COLUMNS = [
  'id', 'account_id', 'capability', 'action', 'model', 'provider', 'status', 'progress', 'input', 'result',
  'error', 'metadata', 'credits_reserved', 'credits_used', 'attempts', 'max_attempts', 'timeout_s', 'priority',
  'idempotency_key', 'request_hash', 'webhook', 'dialect', 'created_at', 'started_at', 'completed_at', 'expires_at', 'run_after',
  'degraded', 'lease_owner', 'lease_token', 'lease_until',
] as const;

const JSON_COLUMNS = new Set(['input', 'result', 'error', 'metadata', 'webhook']);

export type TaskRow = Record<string, unknown>;

const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));
const parse = (v: unknown): any => (v === null || v === undefined ? null : JSON.parse(v as string));

export function toRow(t: NewTask | Task, columns: readonly string[] = TASK_COLUMNS): TaskRow {
  const row: TaskRow = {};
  for (const c of columns) {
    const v = (t as unknown as Record<string, unknown>)[c];
    row[c] = JSON_COLUMNS.has(c) ? json(v) : c === 'degraded' ? (v ? 1 : 0) : (v ?? null);
  }
  return row;
}

export function fromRow(r: TaskRow): Task {
  return {
    id: r.id as string,
    account_id: r.account_id as string,
    capability: r.capability as string,
    action: r.action as string,
    model: r.model as string,
    provider: (r.provider as string | null) ?? null,
    status: r.status as Task['status'],
    progress: (r.progress as number | null) ?? null,
    input: parse(r.input) ?? {},
    result: parse(r.result),
    error: parse(r.error),
    metadata: parse(r.metadata),
    credits_reserved: r.credits_reserved as number,
    credits_used: (r.credits_used as number | null) ?? null,
    attempts: r.attempts as number,
    max_attempts: r.max_attempts as number,
    timeout_s: r.timeout_s as number,
    priority: r.priority as number,
    idempotency_key: (r.idempotency_key as string | null) ?? null,
    request_hash: (r.request_hash as string | null) ?? null,
    webhook: parse(r.webhook),
    dialect: r.dialect as string,
    created_at: r.created_at as number,
    started_at: (r.started_at as number | null) ?? null,
    completed_at: (r.completed_at as number | null) ?? null,
    expires_at: (r.expires_at as number | null) ?? null,
    run_after: r.run_after as number,
    run_id: r.run_id as number,
    degraded: r.degraded === 1,
    lease_owner: (r.lease_owner as string | null) ?? null,
    lease_token: (r.lease_token as string | null) ?? null,
    lease_until: (r.lease_until as number | null) ?? null,
    version: r.version as number,
  };
}
