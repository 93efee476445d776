/** Worker presence (heartbeats into the workers table) and retention deletes, on PostgreSQL. */
import type pg from 'pg';
import type { Task } from '../../core/task.js';
import type { WorkerRecord } from '../store.js';
import { fromRow } from './rows.js';

const TERMINAL = `('succeeded', 'failed', 'timed_out', 'cancelled', 'expired')`;

export async function recordWorker(pool: pg.Pool, w: WorkerRecord): Promise<void> {
  await pool.query({
    name: 'genq_record_worker',
    text: `WITH up AS (
             INSERT INTO workers (id, host, pid, started_at, last_seen, alive_until, running, concurrency, models)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::json)
             ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen, alive_until = excluded.alive_until,
               running = excluded.running, concurrency = excluded.concurrency, models = excluded.models
           )
           DELETE FROM workers WHERE alive_until < $5::bigint - 3600000 AND id <> $1`,
    values: [w.id, w.host, w.pid, w.started_at, w.last_seen, w.alive_until, w.running, w.concurrency, JSON.stringify(w.models)],
  });
}

export async function removeWorker(pool: pg.Pool, id: string): Promise<void> {
  await pool.query('DELETE FROM workers WHERE id = $1', [id]);
}

export async function listWorkers(pool: pg.Pool, now: number): Promise<WorkerRecord[]> {
  const { rows } = await pool.query('SELECT * FROM workers WHERE alive_until >= $1 ORDER BY started_at, id', [now]);
  return rows as WorkerRecord[];
}

export async function findFinishedBefore(pool: pg.Pool, cutoff: number, limit: number): Promise<Task[]> {
  const { rows } = await pool.query(
    `SELECT * FROM tasks WHERE status IN ${TERMINAL} AND completed_at < $1 ORDER BY completed_at LIMIT $2`,
    [cutoff, limit],
  );
  return rows.map(fromRow);
}

/** one short statement per batch: row locks only on the rows going away, never a table lock */
export async function deleteTasks(pool: pg.Pool, ids: string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const { rows } = await pool.query<{ n: number }>(
    `WITH gone AS (DELETE FROM tasks WHERE id = ANY($1::text[]) AND status IN ${TERMINAL} RETURNING id),
          ev AS (DELETE FROM task_events WHERE task_id IN (SELECT id FROM gone)),
          wh AS (DELETE FROM webhook_deliveries WHERE task_id IN (SELECT id FROM gone) AND status <> 'pending')
     SELECT count(*) AS n FROM gone`,
    [ids],
  );
  return rows[0]!.n;
}
