/** The webhook outbox on PostgreSQL: claimed with SKIP LOCKED so many deliverers never send one message at once. */
import type pg from 'pg';
import type { Delivery, DeliveryListQuery, DeliveryOutcome } from '../store.js';

export async function claimDeliveries(pool: pg.Pool, now: number, limit: number, leaseUntil: number): Promise<Delivery[]> {
  const { rows } = await pool.query({
    name: 'genq_claim_deliveries',
    text: `UPDATE webhook_deliveries d SET attempts = d.attempts + 1, next_attempt_at = $3, updated_at = $1
           FROM (SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1
                 ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED) p
           WHERE d.id = p.id RETURNING d.*`,
    values: [now, limit, leaseUntil],
  });
  return rows as Delivery[];
}

export async function finishDelivery(pool: pg.Pool, o: DeliveryOutcome): Promise<boolean> {
  const res = await pool.query({
    name: 'genq_finish_delivery',
    text: `UPDATE webhook_deliveries SET status = $3, next_attempt_at = $4, last_status = $5, last_error = $6, updated_at = $7,
             delivered_at = CASE WHEN $3 = 'succeeded' THEN $7 ELSE delivered_at END
           WHERE id = $1 AND attempts = $2 AND status = 'pending'`,
    values: [o.id, o.attempt, o.status, o.next_attempt_at, o.last_status, o.last_error, o.at],
  });
  return (res.rowCount ?? 0) === 1;
}

export async function listDeliveries(pool: pg.Pool, l: DeliveryListQuery): Promise<Delivery[]> {
  const where = ['account_id = $1'];
  const args: unknown[] = [l.accountId];
  if (l.status) {
    args.push(l.status);
    where.push(`status = $${args.length}`);
  }
  if (l.taskId) {
    args.push(l.taskId);
    where.push(`task_id = $${args.length}`);
  }
  if (l.before) {
    args.push(l.before);
    where.push(`id < $${args.length}`);
  }
  args.push(l.limit);
  const { rows } = await pool.query(`SELECT * FROM webhook_deliveries WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $${args.length}`, args);
  return rows as Delivery[];
}

export async function getDelivery(pool: pg.Pool, id: string, accountId: string): Promise<Delivery | null> {
  const { rows } = await pool.query('SELECT * FROM webhook_deliveries WHERE id = $1 AND account_id = $2', [id, accountId]);
  return (rows[0] as Delivery | undefined) ?? null;
}

export async function redeliver(pool: pg.Pool, id: string, accountId: string, now: number, retryUntil: number): Promise<Delivery | null> {
  // attempts keeps counting: an attempt still in flight from before no longer matches, so it cannot finish the new round
  const { rows } = await pool.query(
    `UPDATE webhook_deliveries SET status = 'pending', attempts = attempts + 1, next_attempt_at = $3, retry_until = $4, updated_at = $3
     WHERE id = $1 AND account_id = $2 RETURNING *`,
    [id, accountId, now, retryUntil],
  );
  return (rows[0] as Delivery | undefined) ?? null;
}

export async function nextDeliveryAt(pool: pg.Pool, now: number): Promise<number | null> {
  const { rows } = await pool.query<{ t: number | null }>(
    `SELECT min(next_attempt_at) AS t FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at > $1`, [now],
  );
  return rows[0]?.t ?? null;
}
