/**
 * Claiming: one statement picks the first claimable queued tasks in queue order from the
 * partial index tasks_claim, locks them with FOR UPDATE SKIP LOCKED (so concurrent workers
 * take different tasks instead of queueing behind each other's row locks), moves them to
 * running under a lease with a fresh token each, and appends their `task.running` events.
 * A row that changed between the index scan and the lock (say, cancelled) is re-checked by
 * PostgreSQL against the WHERE clause and left alone.
 */
import type pg from 'pg';
import type { Task } from '../../core/task.js';
import type { ClaimOptions } from '../store.js';
import { fromRow } from './rows.js';

const claimSql = (withModels: boolean) => `
WITH picked AS (
  SELECT run_id FROM tasks
  WHERE status = 'queued' AND run_after <= $1${withModels ? ' AND model = ANY($7::text[])' : ''}
    -- a never-started task past its queue deadline is the sweeper's to expire, not ours to start
    AND (started_at IS NOT NULL OR expires_at IS NULL OR expires_at >= $1)
  ORDER BY priority DESC, run_id
  LIMIT $2
  FOR UPDATE SKIP LOCKED
), numbered AS (
  SELECT run_id, row_number() OVER () AS n FROM picked
), claimed AS (
  UPDATE tasks t SET
    status = 'running', attempts = t.attempts + 1, started_at = COALESCE(t.started_at, $1),
    progress = COALESCE(t.progress, 0), lease_owner = $3, lease_token = ($4::text[])[numbered.n],
    lease_until = $5, version = t.version + 1
  FROM numbered WHERE t.run_id = numbered.run_id
  RETURNING t.*
), ev AS (
  INSERT INTO task_events (task_id, type, status, progress, at)
  SELECT id, 'task.running', 'running', progress, $6 FROM claimed ORDER BY priority DESC, run_id
)
SELECT * FROM claimed`;

const CLAIM_ANY = claimSql(false);
const CLAIM_MODELS = claimSql(true);

export async function claimTasks(pool: pg.Pool, o: ClaimOptions): Promise<Task[]> {
  if (o.limit <= 0 || (o.models && o.models.length === 0)) return [];
  const tokens = Array.from({ length: o.limit }, () => o.newToken());
  const values: unknown[] = [o.now, o.limit, o.owner, tokens, o.leaseUntil, Date.now()];
  const res = o.models
    ? await pool.query({ name: 'genq_claim_models', text: CLAIM_MODELS, values: [...values, o.models] })
    : await pool.query({ name: 'genq_claim', text: CLAIM_ANY, values });
  return res.rows.map(fromRow).sort((a, b) => b.priority - a.priority || a.run_id - b.run_id);
}
