/**
 * The compare-and-set write behind every state change, group-committed.
 *
 * Each write matches only while the row still has the status the writer read (and, for a
 * worker, the lease token it was given), so a worker that lost its lease — paused,
 * partitioned, its task swept back to the queue and claimed by another — matches nothing and
 * its write is discarded. Two writers racing on one row serialise on the row lock; the second
 * is re-checked against the new row and loses. The event is appended by the same statement,
 * so a change and its event land together.
 *
 * Writes that arrive within one event-loop turn go out as ONE statement (UPDATE … FROM
 * unnest(…)), so a worker finishing 32 tasks at once pays for one commit, not 32. A batch
 * holds each task at most once (a second write to the same task waits for the next batch, so
 * it is checked against the first one's result). If a batch fails as a whole (bad data, or a
 * deadlock with another process's batch), its writes are retried one by one.
 */
import type pg from 'pg';
import { MUTABLE_TASK_FIELDS, type Task } from '../../core/task.js';
import type { TaskUpdate } from '../store.js';
import { mapPgError, retryTransient } from './connection.js';
import { TASK_COLUMNS, fromRow, param } from './rows.js';

/** only what a transition can change is sent and written: not input, metadata or webhook again */
const MUTABLE = new Set<string>(MUTABLE_TASK_FIELDS);
const UPDATABLE = TASK_COLUMNS.filter(([c]) => MUTABLE.has(c));

// $1 id[], $2 expect_status[], $3 fenced[], $4 expect_lease[], $5 event[], $6 release[], $7 charge[],
// $8–$15 the webhook delivery (id, event, url, format, task, created_at, retry_until, claimed_until; id NULL = none),
// then one array per updatable column, then `at`
const EXTRA = [
  ['id', 'text'], ['expect_status', 'text'], ['fenced', 'bool'], ['expect_lease', 'text'], ['event', 'text'],
  ['_release', 'int8'], ['_charge', 'int8'],
  ['_d_id', 'text'], ['_d_event', 'text'], ['_d_url', 'text'], ['_d_format', 'text'], ['_d_task', 'text'], ['_d_created', 'int8'], ['_d_retry_until', 'int8'], ['_d_claimed', 'int8'],
] as const;
const V_COLS = [...EXTRA.map(([c]) => c), ...UPDATABLE.map(([c]) => c)];
const V_ARGS = [...EXTRA.map(([, type], i) => `$${i + 1}::${type}[]`),
  ...UPDATABLE.map(([, type], i) => `$${i + EXTRA.length + 1}::${type === 'json' ? 'text' : type}[]`)];
const AT = `$${UPDATABLE.length + EXTRA.length + 1}::bigint`;
const SETS = UPDATABLE.map(([c, type]) => `${c} = v.${c}${type === 'json' ? '::json' : ''}`).join(', ');

const UPDATE_SQL = `
WITH v AS (
  SELECT * FROM unnest(${V_ARGS.join(', ')}) WITH ORDINALITY AS v(${V_COLS.join(', ')}, ord)
), u AS (
  UPDATE tasks t SET ${SETS}, version = t.version + 1
  FROM v
  WHERE t.id = v.id AND t.status = v.expect_status
    AND (NOT v.fenced OR t.lease_token IS NOT DISTINCT FROM v.expect_lease)
  RETURNING t.*, v.event AS _event, v.ord AS _ord, v._release, v._charge,
    v._d_id, v._d_event, v._d_url, v._d_format, v._d_task, v._d_created, v._d_retry_until, v._d_claimed
), ev AS (
  INSERT INTO task_events (task_id, type, status, progress, at)
  SELECT id, _event, status, progress, ${AT} FROM u WHERE _event IS NOT NULL ORDER BY _ord
), led AS (
  -- a finished task's credits move with its final state: one release, at most one charge (unique per task and kind)
  INSERT INTO credit_ledger (account_id, task_id, kind, amount, at)
  SELECT account_id, id, 'release', _release, ${AT} FROM u WHERE _release > 0
  UNION ALL
  SELECT account_id, id, 'charge', -_charge, ${AT} FROM u WHERE _charge > 0
), bal AS (
  UPDATE accounts a SET credits_balance = a.credits_balance + s.d
  FROM (SELECT account_id, sum(_release - _charge) AS d FROM u GROUP BY account_id) s
  WHERE a.id = s.account_id AND s.d <> 0
), wh AS (
  INSERT INTO webhook_deliveries (id, account_id, task_id, event, url, format, task, status, attempts, next_attempt_at, retry_until, created_at, updated_at)
  -- born claimed (_d_claimed set): attempt 1 is the storing process's, due again only if it is lost
  SELECT _d_id, account_id, id, _d_event, _d_url, _d_format, _d_task, 'pending', CASE WHEN _d_claimed IS NULL THEN 0 ELSE 1 END,
    COALESCE(_d_claimed, _d_created), _d_retry_until, _d_created, _d_created
  FROM u WHERE _d_id IS NOT NULL
)
SELECT * FROM u`;

interface Pending {
  u: TaskUpdate;
  resolve: (t: Task | null) => void;
  reject: (e: unknown) => void;
}

export class UpdateBatcher {
  private queue: Pending[] = [];
  private scheduled = false;
  private inFlight = 0;
  private readonly busy = new Set<string>();
  private idle: Array<() => void> = [];

  constructor(
    private readonly pool: pg.Pool,
    private readonly written: (t: Task, event: string | undefined) => void,
    private readonly maxBatch = 500,
    private readonly maxInFlight = 4,
  ) {}

  update(u: TaskUpdate): Promise<Task | null> {
    return new Promise((resolve, reject) => {
      this.queue.push({ u, resolve, reject });
      this.schedule();
    });
  }

  drained(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0 && this.inFlight < this.maxInFlight) {
      // one write per task per batch, and none for a task whose earlier write is still in flight:
      // writes to one task land in the order they were made
      const ids = new Set<string>();
      const batch: Pending[] = [];
      const rest: Pending[] = [];
      for (const p of this.queue) {
        const id = p.u.next.id;
        if (batch.length < this.maxBatch && !ids.has(id) && !this.busy.has(id)) {
          ids.add(id);
          batch.push(p);
        } else rest.push(p);
      }
      this.queue = rest;
      if (batch.length === 0) return; // everything left waits on a write in flight
      for (const id of ids) this.busy.add(id);
      this.inFlight += 1;
      void this.write(batch).finally(() => {
        this.inFlight -= 1;
        for (const id of ids) this.busy.delete(id);
        if (this.queue.length > 0) this.pump();
        else if (this.inFlight === 0) for (const r of this.idle.splice(0)) r();
      });
    }
  }

  private async write(batch: Pending[]): Promise<void> {
    try {
      const rows = await this.run(batch.map((p) => p.u));
      const byId = new Map(rows.map((r) => [r.id as string, r]));
      for (const p of batch) this.settle(p, byId.get(p.u.next.id));
    } catch (e) {
      const mapped = mapPgError(e);
      if (batch.length === 1 || mapped !== e) {
        for (const p of batch) p.reject(mapped);
        return;
      }
      for (const p of batch) {
        try {
          const [row] = await this.run([p.u]);
          this.settle(p, row);
        } catch (err) {
          p.reject(mapPgError(err));
        }
      }
    }
  }

  private settle(p: Pending, row: Record<string, any> | undefined): void {
    if (!row) return p.resolve(null);
    const task = fromRow(row);
    this.written(task, p.u.event);
    p.resolve(task);
  }

  /** PostgreSQL aborts one side of a deadlock; the statement is atomic, so running it again is safe */
  private async run(us: TaskUpdate[]): Promise<Array<Record<string, any>>> {
    return retryTransient(() => this.runOnce(us));
  }

  private async runOnce(us: TaskUpdate[]): Promise<Array<Record<string, any>>> {
    const values: unknown[] = [
      us.map((u) => u.next.id),
      us.map((u) => u.expectStatus),
      us.map((u) => u.expectLeaseToken !== undefined),
      us.map((u) => u.expectLeaseToken ?? null),
      us.map((u) => u.event ?? null),
      us.map((u) => u.settle?.release ?? 0),
      us.map((u) => u.settle?.charge ?? 0),
      us.map((u) => u.delivery?.id ?? null),
      us.map((u) => u.delivery?.event ?? null),
      us.map((u) => u.delivery?.url ?? null),
      us.map((u) => u.delivery?.format ?? null),
      us.map((u) => u.delivery?.task ?? null),
      us.map((u) => u.delivery?.created_at ?? null),
      us.map((u) => u.delivery?.retry_until ?? null),
      us.map((u) => u.delivery?.claimed_until ?? null),
      ...UPDATABLE.map(([c]) => us.map((u) => param(u.next, c))),
      Date.now(),
    ];
    const res = await this.pool.query({ name: 'genq_update_tasks', text: UPDATE_SQL, values });
    return res.rows;
  }
}
