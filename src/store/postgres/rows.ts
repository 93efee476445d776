/**
 * Task <-> PostgreSQL row mapping. JSON fields are `json` columns (kept as the exact text the
 * client sent: `jsonb` would reorder metadata keys), times are bigint epoch milliseconds.
 */
import type { NewTask, Task } from '../../core/task.js';

/** every task column the core writes, with its PostgreSQL type (for unnest() batches) */
export const TASK_COLUMNS = [
  ['id', 'text'], ['account_id', 'text'], ['capability', 'text'], ['action', 'text'], ['model', 'text'],
  ['provider', 'text'], ['status', 'text'], ['progress', 'float8'], ['input', 'json'], ['result', 'json'],
  ['error', 'json'], ['metadata', 'json'], ['credits_reserved', 'int8'], ['credits_used', 'int8'], ['attempts', 'int4'],
  ['max_attempts', 'int4'], ['timeout_s', 'int4'], ['priority', 'int4'], ['idempotency_key', 'text'], ['request_hash', 'text'], ['webhook', 'json'],
  ['dialect', 'text'], ['created_at', 'int8'], ['started_at', 'int8'], ['completed_at', 'int8'], ['expires_at', 'int8'],
  ['run_after', 'int8'], ['degraded', 'bool'], ['lease_owner', 'text'], ['lease_token', 'text'], ['lease_until', 'int8'],
] as const;

export type TaskColumn = (typeof TASK_COLUMNS)[number][0];

const JSON_COLUMNS = new Set<string>(TASK_COLUMNS.filter(([, t]) => t === 'json').map(([c]) => c));

/** the value bound for one column: JSON columns as text, everything else as is */
export function param(t: NewTask | Task, column: TaskColumn): unknown {
  const v = (t as unknown as Record<string, unknown>)[column];
  if (JSON_COLUMNS.has(column)) return v === null || v === undefined ? null : JSON.stringify(v);
  return v ?? null;
}

export function fromRow(r: Record<string, any>): Task {
  return {
    id: r.id,
    account_id: r.account_id,
    capability: r.capability,
    action: r.action,
    model: r.model,
    provider: r.provider ?? null,
    status: r.status,
    progress: r.progress ?? null,
    input: r.input ?? {},
    result: r.result ?? null,
    error: r.error ?? null,
    metadata: r.metadata ?? null,
    credits_reserved: r.credits_reserved,
    credits_used: r.credits_used ?? null,
    attempts: r.attempts,
    max_attempts: r.max_attempts,
    timeout_s: r.timeout_s,
    priority: r.priority,
    idempotency_key: r.idempotency_key ?? null,
    request_hash: r.request_hash ?? null,
    webhook: r.webhook ?? null,
    dialect: r.dialect,
    created_at: r.created_at,
    started_at: r.started_at ?? null,
    completed_at: r.completed_at ?? null,
    expires_at: r.expires_at ?? null,
    run_after: r.run_after,
    run_id: r.run_id,
    degraded: r.degraded === true,
    lease_owner: r.lease_owner ?? null,
    lease_token: r.lease_token ?? null,
    lease_until: r.lease_until ?? null,
    version: r.version,
  };
}
