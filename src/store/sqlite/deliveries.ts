/** The webhook outbox on SQLite: rows written with the task change they report, then claimed and finished by the deliverer. */
import type { Statement } from 'better-sqlite3';
import type { Delivery, DeliveryListQuery, DeliveryOutcome, NewDelivery } from '../store.js';

type Q = (sql: string) => Statement;

export function insertDelivery(q: Q, d: NewDelivery): void {
  q(
    `INSERT INTO webhook_deliveries (id, account_id, task_id, event, url, format, task, status, attempts, next_attempt_at, retry_until, created_at, updated_at)
     VALUES (@id, @account_id, @task_id, @event, @url, @format, @task, 'pending', @attempts, @next_attempt_at, @retry_until, @created_at, @created_at)`,
  ).run({
    id: d.id, account_id: d.account_id, task_id: d.task_id, event: d.event, url: d.url, format: d.format, task: d.task,
    retry_until: d.retry_until, created_at: d.created_at,
    attempts: d.claimed_until === undefined ? 0 : 1, next_attempt_at: d.claimed_until ?? d.created_at,
  });
}

export function claimDeliveries(q: Q, now: number, limit: number, leaseUntil: number): Delivery[] {
  const rows = q(`SELECT * FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?`).all(now, limit) as Delivery[];
  const upd = q(`UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = ?, updated_at = ? WHERE id = ? AND attempts = ?`);
  const out: Delivery[] = [];
  for (const r of rows) {
    if (upd.run(leaseUntil, now, r.id, r.attempts).changes === 1) out.push({ ...r, attempts: r.attempts + 1, next_attempt_at: leaseUntil, updated_at: now });
  }
  return out;
}

export function finishDelivery(q: Q, o: DeliveryOutcome): boolean {
  return q(
    `UPDATE webhook_deliveries SET status = @status, next_attempt_at = @next_attempt_at, last_status = @last_status, last_error = @last_error,
       updated_at = @at, delivered_at = CASE WHEN @status = 'succeeded' THEN @at ELSE delivered_at END
     WHERE id = @id AND attempts = @attempt AND status = 'pending'`,
  ).run(o).changes === 1;
}

export function listDeliveries(q: Q, l: DeliveryListQuery): Delivery[] {
  const where = ['account_id = ?'];
  const args: unknown[] = [l.accountId];
  if (l.status) {
    where.push('status = ?');
    args.push(l.status);
  }
  if (l.taskId) {
    where.push('task_id = ?');
    args.push(l.taskId);
  }
  if (l.before) {
    where.push('id < ?');
    args.push(l.before);
  }
  args.push(l.limit);
  return q(`SELECT * FROM webhook_deliveries WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`).all(...args) as Delivery[];
}

export function getDelivery(q: Q, id: string, accountId: string): Delivery | null {
  return (q('SELECT * FROM webhook_deliveries WHERE id = ? AND account_id = ?').get(id, accountId) as Delivery | undefined) ?? null;
}

export function redeliver(q: Q, id: string, accountId: string, now: number, retryUntil: number): Delivery | null {
  // attempts keeps counting: an attempt still in flight from before no longer matches, so it cannot finish the new round
  const info = q(
    `UPDATE webhook_deliveries SET status = 'pending', attempts = attempts + 1, next_attempt_at = ?, retry_until = ?, updated_at = ?
     WHERE id = ? AND account_id = ?`,
  ).run(now, retryUntil, now, id, accountId);
  return info.changes === 1 ? getDelivery(q, id, accountId) : null;
}

export function nextDeliveryAt(q: Q, now: number): number | null {
  return (q(`SELECT min(next_attempt_at) AS t FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at > ?`).get(now) as { t: number | null }).t;
}
