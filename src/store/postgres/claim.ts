/**
 * Claiming: the SQL function genq_claim (migrations/0001-init.ts) picks the first claimable
 * queued tasks in queue order from the partial index tasks_claim, locks them with FOR UPDATE
 * SKIP LOCKED (so concurrent workers take different tasks instead of queueing behind each
 * other's row locks), moves them to running under a lease with a fresh token each, and
 * appends their `task.running` events, all in one statement. A row that changed between the
 * index scan and the lock (say, cancelled) is re-checked by PostgreSQL against the WHERE
 * clause and left alone.
 *
 * A claim commits asynchronously (RELAXED below): it does not wait for its WAL flush. If the
 * database server itself crashes in the next fraction of a second, the claim is forgotten and
 * the task is simply queued again; the worker that had it is fenced off by its unknown lease
 * token, so nothing runs twice to completion. Creations and outcomes stay fully durable, and
 * their flushes also carry every claim written before them.
 */
import type pg from 'pg';
import type { Task } from '../../core/task.js';
import type { ClaimOptions } from '../store.js';
import { fromRow } from './rows.js';

/** set_config(…, true) lasts for this statement's own transaction: this one commit skips the flush wait */
export const RELAXED = `relaxed AS MATERIALIZED (SELECT set_config('synchronous_commit', 'off', true) AS v)`;

/*
 * The claimed tasks whose webhook asks for task.running get their message in the same statement
 * (the outbox rule: stored with the change it reports). Its id is time-ordered like
 * core/webhooks.ts newMessageId (48-bit milliseconds, then random hex); its task is the row as
 * JSON, which has the Task's own field names (rows.ts fromRow maps them one to one).
 */
const CLAIM = `WITH ${RELAXED},
  c AS MATERIALIZED (SELECT g.* FROM relaxed, genq_claim($1, $2, $3, $4, $5, $6, $7, $8) AS g WHERE relaxed.v = 'off'),
  hooks AS (
    INSERT INTO webhook_deliveries (id, account_id, task_id, event, url, format, task, status, attempts, next_attempt_at, retry_until, created_at, updated_at)
    SELECT 'msg_' || lpad(to_hex($1::bigint), 12, '0') || '7' || substr(replace(gen_random_uuid()::text, '-', ''), 14),
           c.account_id, c.id, 'task.running', c.webhook->>'url', COALESCE(c.webhook->>'format', 'native'), row_to_json(c)::text,
           'pending', 0, $1, $9, $1, $1
    FROM c WHERE (c.webhook::jsonb -> 'events') ? 'task.running'
  )
  SELECT * FROM c`;

export async function claimTasks(pool: pg.Pool, o: ClaimOptions): Promise<Task[]> {
  if (o.limit <= 0 || (o.models && o.models.length === 0)) return [];
  const tokens = Array.from({ length: o.limit }, () => o.newToken());
  const res = await pool.query({
    name: 'genq_claim',
    text: CLAIM,
    values: [o.now, o.limit, o.owner, tokens, o.leaseUntil, o.models ?? null, Date.now(), o.defaultMaxRunning ?? null, o.webhookRetryUntil ?? o.now],
  });
  return res.rows.map(fromRow).sort((a, b) => b.priority - a.priority || a.run_id - b.run_id);
}
