/**
 * The scale-out store: any number of api and worker processes on one PostgreSQL database.
 * The hard operations live in their own modules — group-committed inserts (insert-tasks),
 * SKIP LOCKED claims (claim), fenced compare-and-set (update-task), wake-ups after commit
 * (notifier, listener), migrations under an advisory lock (migrate). This class wires them
 * together and turns a lost database into the core's UNAVAILABLE error.
 */
import crypto from 'node:crypto';
import type pg from 'pg';
import type { NewTask, Task, TaskEvent } from '../../core/task.js';
import type {
  Account, ApiKeyRecord, ClaimOptions, Delivery, DeliveryListQuery, DeliveryOutcome, LedgerEntry, NewAccountWithKey, QueueStats, RemoteChanges,
  Store, TaskListQuery, TaskUpdate, Voice, WebhookSecrets, WorkerRecord,
} from '../store.js';
import * as accounts from './accounts.js';
import * as deliveries from './deliveries.js';
import { RELAXED, claimTasks } from './claim.js';
import { connectionConfig, createPool, mapPgError, type PgLogger } from './connection.js';
import { InsertBatcher } from './insert-tasks.js';
import { ChangeListener } from './listener.js';
import { migrate } from './migrate.js';
import { Notifier } from './notifier.js';
import { fromRow } from './rows.js';
import { UpdateBatcher } from './update-task.js';
import * as workers from './workers.js';

export interface PgStoreOptions {
  log?: PgLogger;
  /** connections this process may open (the LISTEN connection comes on top) */
  poolMax?: number;
}

const silent: PgLogger = { info() {}, warn() {}, error() {} };

export class PgStore implements Store {
  readonly kind = 'postgres' as const;
  readonly origin = crypto.randomUUID();
  private readonly pool: pg.Pool;
  private readonly inserts: InsertBatcher;
  private readonly updates: UpdateBatcher;
  private readonly notifier: Notifier;
  private readonly listener: ChangeListener;
  private channel = 'genq:public';
  private closed = false;

  constructor(url: string, opts: PgStoreOptions = {}) {
    const log = opts.log ?? silent;
    this.pool = createPool(url, log, { max: opts.poolMax });
    this.notifier = new Notifier(this.pool, () => this.channel, this.origin, log);
    this.inserts = new InsertBatcher(this.pool, () => this.notifier.queued());
    this.updates = new UpdateBatcher(this.pool, (t, event) => {
      if (event) this.notifier.changed({ id: t.id, status: t.status, type: event });
    });
    this.listener = new ChangeListener(connectionConfig(url, { applicationName: 'genq-listen' }), () => this.channel, this.origin, log);
  }

  /** every public method goes through here: driver errors become the core's errors */
  private async g<T>(p: Promise<T>): Promise<T> {
    try {
      return await p;
    } catch (e) {
      throw mapPgError(e);
    }
  }

  async migrate(): Promise<void> {
    await this.g(migrate(this.pool));
    // one channel per schema, so two installations sharing a database never wake each other
    const { rows } = await this.g(this.pool.query<{ s: string }>('SELECT current_schema() AS s'));
    this.channel = `genq:${rows[0]?.s ?? 'public'}`;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.inserts.drained();
    await this.updates.drained();
    await this.notifier.flushed();
    await this.listener.close();
    await this.pool.end();
  }

  async ping(): Promise<void> {
    await this.g(this.pool.query('SELECT 1'));
  }

  getOrCreateSetting(name: string, create: () => string): Promise<string> {
    return this.g(accounts.getOrCreateSetting(this.pool, name, create));
  }

  createAccountWithKey(rec: NewAccountWithKey): Promise<void> {
    return this.g(accounts.createAccountWithKey(this.pool, rec));
  }

  addKey(key: ApiKeyRecord, keyHash: string): Promise<void> {
    return this.g(accounts.addKey(this.pool, key, keyHash));
  }

  findKeyByHash(keyHash: string): Promise<{ key: ApiKeyRecord; account: Account } | null> {
    return this.g(accounts.findKeyByHash(this.pool, keyHash));
  }

  listKeys(accountId?: string): Promise<ApiKeyRecord[]> {
    return this.g(accounts.listKeys(this.pool, accountId));
  }

  revokeKey(idOrPrefix: string, now: number): Promise<ApiKeyRecord | null> {
    return this.g(accounts.revokeKey(this.pool, idOrPrefix, now));
  }

  getAccount(id: string): Promise<Account | null> {
    return this.g(accounts.getAccount(this.pool, id));
  }

  getWebhookSecret(accountId: string): Promise<string | null> {
    return this.g(accounts.getWebhookSecret(this.pool, accountId));
  }

  countKeys(): Promise<number> {
    return this.g(accounts.countKeys(this.pool));
  }

  getWebhookSecrets(accountId: string): Promise<WebhookSecrets | null> {
    return this.g(accounts.getWebhookSecrets(this.pool, accountId));
  }

  rotateWebhookSecret(accountId: string, secret: string, now: number): Promise<WebhookSecrets | null> {
    return this.g(accounts.rotateWebhookSecret(this.pool, accountId, secret, now));
  }

  setMaxRunning(accountId: string, max: number | null): Promise<boolean> {
    return this.g(accounts.setMaxRunning(this.pool, accountId, max));
  }

  adjustCredits(accountId: string, amount: number, kind: 'grant' | 'topup', note: string | null, now: number): Promise<number | null> {
    return this.g(accounts.adjustCredits(this.pool, accountId, amount, kind, note, now));
  }

  listLedger(accountId: string, limit: number, beforeSeq?: number): Promise<LedgerEntry[]> {
    return this.g(accounts.listLedger(this.pool, accountId, limit, beforeSeq));
  }

  claimDeliveries(now: number, limit: number, leaseUntil: number): Promise<Delivery[]> {
    return this.g(deliveries.claimDeliveries(this.pool, now, limit, leaseUntil));
  }

  finishDelivery(o: DeliveryOutcome): Promise<boolean> {
    return this.g(deliveries.finishDelivery(this.pool, o));
  }

  listDeliveries(q: DeliveryListQuery): Promise<Delivery[]> {
    return this.g(deliveries.listDeliveries(this.pool, q));
  }

  getDelivery(id: string, accountId: string): Promise<Delivery | null> {
    return this.g(deliveries.getDelivery(this.pool, id, accountId));
  }

  redeliver(id: string, accountId: string, now: number, retryUntil: number): Promise<Delivery | null> {
    return this.g(deliveries.redeliver(this.pool, id, accountId, now, retryUntil));
  }

  nextDeliveryAt(now: number): Promise<number | null> {
    return this.g(deliveries.nextDeliveryAt(this.pool, now));
  }

  insertTasks(tasks: NewTask[], event: string): Promise<Task[]> {
    return this.inserts.insert(tasks, event);
  }

  private async one(name: string, text: string, values: unknown[]): Promise<Task | null> {
    const { rows } = await this.g(this.pool.query({ name, text, values }));
    return rows[0] ? fromRow(rows[0]) : null;
  }

  getTask(id: string, accountId?: string): Promise<Task | null> {
    return accountId === undefined
      ? this.one('genq_get_task', 'SELECT * FROM tasks WHERE id = $1', [id])
      : this.one('genq_get_task_of', 'SELECT * FROM tasks WHERE id = $1 AND account_id = $2', [id, accountId]);
  }

  findByIdempotencyKey(accountId: string, key: string): Promise<Task | null> {
    return this.one('genq_by_idem', 'SELECT * FROM tasks WHERE account_id = $1 AND idempotency_key = $2', [accountId, key]);
  }

  async findByIdempotencyKeys(accountId: string, keys: string[]): Promise<Task[]> {
    if (keys.length === 0) return [];
    const { rows } = await this.g(this.pool.query({
      name: 'genq_by_idems',
      text: 'SELECT * FROM tasks WHERE account_id = $1 AND idempotency_key = ANY($2::text[])',
      values: [accountId, keys],
    }));
    return rows.map(fromRow);
  }

  getTaskByRunId(runId: number, accountId: string): Promise<Task | null> {
    return this.one('genq_by_run_id', 'SELECT * FROM tasks WHERE run_id = $1 AND account_id = $2', [runId, accountId]);
  }

  async listTasks(q: TaskListQuery): Promise<Task[]> {
    const where = ['account_id = $1'];
    const args: unknown[] = [q.accountId];
    if (q.status && q.status.length > 0) {
      args.push(q.status);
      where.push(`status = ANY($${args.length}::text[])`);
    }
    if (q.capability) {
      args.push(q.capability);
      where.push(`capability = $${args.length}`);
    }
    if (q.before) {
      args.push(q.before);
      where.push(`id < $${args.length}`);
    }
    args.push(q.limit);
    const { rows } = await this.g(this.pool.query(`SELECT * FROM tasks WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $${args.length}`, args));
    return rows.map(fromRow);
  }

  async claimTasks(opts: ClaimOptions): Promise<Task[]> {
    const claimed = await this.g(claimTasks(this.pool, opts));
    for (const t of claimed) this.notifier.changed({ id: t.id, status: t.status, type: 'task.running' });
    return claimed;
  }

  updateTask(u: TaskUpdate): Promise<Task | null> {
    return this.updates.update(u);
  }

  async renewLeases(owner: string, ids: string[], leaseUntil: number): Promise<string[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.g(this.pool.query<{ id: string }>({
      name: 'genq_renew',
      // a lease renewal lost in a database crash costs at most an early re-run: no flush wait (see claim.ts)
      text: `WITH ${RELAXED} UPDATE tasks SET lease_until = $1
             WHERE (SELECT v FROM relaxed) = 'off' AND id = ANY($2::text[]) AND lease_owner = $3 AND status = 'running' RETURNING id`,
      values: [leaseUntil, ids, owner],
    }));
    const held = new Set(rows.map((r) => r.id));
    return ids.filter((id) => held.has(id));
  }

  async findExpiredLeases(now: number, limit: number): Promise<Task[]> {
    const { rows } = await this.g(this.pool.query({
      name: 'genq_expired_leases',
      text: `SELECT * FROM tasks WHERE status = 'running' AND lease_until < $1 ORDER BY lease_until LIMIT $2`,
      values: [now, limit],
    }));
    return rows.map(fromRow);
  }

  async findOverdue(now: number, limit: number): Promise<Task[]> {
    const { rows } = await this.g(this.pool.query({
      name: 'genq_overdue',
      text: `SELECT * FROM tasks WHERE status IN ('pending', 'queued') AND started_at IS NULL AND expires_at < $1 ORDER BY expires_at LIMIT $2`,
      values: [now, limit],
    }));
    return rows.map(fromRow);
  }

  async nextRunAfter(now: number): Promise<number | null> {
    const { rows } = await this.g(this.pool.query<{ t: number | null }>({
      name: 'genq_next_run_after',
      // a task with run_after <= created_at was due the moment it was queued: only deferred ones can be later than now
      text: `SELECT min(run_after) AS t FROM tasks WHERE status = 'queued' AND run_after > created_at AND run_after > $1`,
      values: [now],
    }));
    return rows[0]?.t ?? null;
  }

  async listEvents(taskId: string, afterSeq: number): Promise<TaskEvent[]> {
    const { rows } = await this.g(this.pool.query({
      name: 'genq_list_events',
      text: 'SELECT seq, task_id, type, status, progress, at FROM task_events WHERE task_id = $1 AND seq > $2 ORDER BY seq',
      values: [taskId, afterSeq],
    }));
    return rows as TaskEvent[];
  }

  async queueStats(): Promise<QueueStats[]> {
    const { rows } = await this.g(this.pool.query(
      `SELECT model, count(*) FILTER (WHERE status = 'queued') AS queued, count(*) FILTER (WHERE status = 'running') AS running,
              min(created_at) FILTER (WHERE status = 'queued') AS oldest_queued_at
       FROM tasks WHERE status IN ('queued', 'running') GROUP BY model ORDER BY model`,
    ));
    return rows as QueueStats[];
  }

  async queuePosition(task: Task): Promise<number | null> {
    if (task.status !== 'queued') return null;
    const { rows } = await this.g(this.pool.query<{ n: number }>({
      name: 'genq_queue_position',
      text: `SELECT count(*) AS n FROM tasks WHERE status = 'queued' AND model = $1 AND run_after <= $4
               AND (priority > $2 OR (priority = $2 AND run_id < $3))`,
      values: [task.model, task.priority, task.run_id, Date.now()],
    }));
    return rows[0]!.n + 1;
  }

  async listVoices(accountId: string): Promise<Voice[]> {
    const { rows } = await this.g(this.pool.query('SELECT * FROM voices WHERE account_id = $1 ORDER BY created_at, id', [accountId]));
    return rows as Voice[];
  }

  async getVoice(id: string, accountId: string): Promise<Voice | null> {
    const { rows } = await this.g(this.pool.query('SELECT * FROM voices WHERE id = $1 AND account_id = $2', [id, accountId]));
    return (rows[0] as Voice | undefined) ?? null;
  }

  async insertVoices(voices: Voice[]): Promise<void> {
    if (voices.length === 0) return;
    const col = <K extends keyof Voice>(k: K) => voices.map((v) => v[k]);
    await this.g(this.pool.query(
      `INSERT INTO voices (id, account_id, name, language, gender, engine, params, sample_key, created_at)
       SELECT id, account_id, name, language, gender, engine, params::json, sample_key, created_at
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int8[])
         AS v(id, account_id, name, language, gender, engine, params, sample_key, created_at)`,
      [col('id'), col('account_id'), col('name'), col('language'), col('gender'), col('engine'),
        voices.map((v) => JSON.stringify(v.params)), col('sample_key'), col('created_at')],
    ));
  }

  subscribeChanges(fn: (c: RemoteChanges) => void): () => void {
    return this.listener.subscribe(fn);
  }

  recordWorker(w: WorkerRecord): Promise<void> {
    return this.g(workers.recordWorker(this.pool, w));
  }

  removeWorker(id: string): Promise<void> {
    return this.g(workers.removeWorker(this.pool, id));
  }

  listWorkers(now: number): Promise<WorkerRecord[]> {
    return this.g(workers.listWorkers(this.pool, now));
  }

  findFinishedBefore(cutoff: number, limit: number): Promise<Task[]> {
    return this.g(workers.findFinishedBefore(this.pool, cutoff, limit));
  }

  deleteTasks(ids: string[]): Promise<number> {
    return this.g(workers.deleteTasks(this.pool, ids));
  }
}
