/**
 * The embedded store: one SQLite file in WAL mode; GroupCommit fsyncs the WAL, so a write is on
 * disk when its promise resolves. Reads are synchronous prepared statements (microseconds);
 * writes go through GroupCommit so concurrent requests share one fsync.
 */
import fs from 'node:fs';
import path from 'node:path';
import DatabaseCtor from 'better-sqlite3';
import type { Database, Statement } from 'better-sqlite3';
import { MUTABLE_TASK_FIELDS, type NewTask, type Task, type TaskEvent } from '../../core/task.js';
import type {
  Account, ApiKeyRecord, ClaimOptions, Delivery, DeliveryListQuery, DeliveryOutcome, LedgerEntry, NewAccountWithKey, QueueStats, Store,
  TaskListQuery, TaskUpdate, Voice, WebhookSecrets, WorkerRecord, RemoteChanges,
} from '../store.js';
import * as credits from './credits.js';
import * as deliveries from './deliveries.js';
import { deliveryFor } from '../../core/webhooks.js';
import { GroupCommit } from './group-commit.js';
import { SqliteChangeFeed } from './change-feed.js';
import { MIGRATIONS } from './migrations/index.js';
import { TASK_COLUMNS, fromRow, toRow, type TaskRow } from './rows.js';

/** a task write stores only what a transition can change: not input, metadata or webhook again */
const SET_MUTABLE = MUTABLE_TASK_FIELDS.map((c) => `${c} = @${c}`).join(', ');
const UPDATE_TASK = `UPDATE tasks SET ${SET_MUTABLE}, version = version + 1 WHERE id = @id AND status = @expect_status RETURNING version`;
const UPDATE_FENCED = `UPDATE tasks SET ${SET_MUTABLE}, version = version + 1 WHERE id = @id AND status = @expect_status AND lease_token IS @expect_lease RETURNING version`;

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private readonly db: Database;
  private readonly writes: GroupCommit;
  private readonly feed: SqliteChangeFeed;
  private readonly stmts = new Map<string, Statement>();

  constructor(file: string) {
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.db = new DatabaseCtor(file);
    this.db.pragma('journal_mode = WAL');
    // COMMIT no longer fsyncs; GroupCommit fsyncs the WAL off the event loop before a durable write resolves
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    // each write runs in a savepoint, and SQLite keeps a savepoint's undo pages in a temporary
    // file unless told otherwise: in memory, a finished task's write costs a third less CPU
    this.db.pragma('temp_store = MEMORY');
    this.writes = new GroupCommit(this.db, file === ':memory:' || file === '' ? null : `${path.resolve(file)}-wal`);
    this.feed = new SqliteChangeFeed(this.db);
  }

  /** a cached prepared statement; an arrow so the credits and outbox modules can be handed it as is */
  private readonly q = (sql: string): Statement => {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  };

  async migrate(): Promise<void> {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at INTEGER)');
    const applied = new Set(
      (this.db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
    );
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue;
      this.db.transaction(() => {
        this.db.exec(m.sql);
        this.db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
      }).immediate();
    }
  }

  async close(): Promise<void> {
    // let queued writes land before the handle goes away
    while (this.writes.pending > 0) await new Promise((r) => setTimeout(r, 1));
    this.writes.close();
    if (this.db.open) this.db.close();
  }

  async ping(): Promise<void> {
    this.q('SELECT 1').get();
  }

  getOrCreateSetting(name: string, create: () => string): Promise<string> {
    return this.writes.write(() => {
      const row = this.q('SELECT value FROM settings WHERE name = ?').get(name) as { value: string } | undefined;
      if (row) return row.value;
      const value = create();
      this.q('INSERT INTO settings (name, value) VALUES (?, ?)').run(name, value);
      return value;
    });
  }

  createAccountWithKey({ account, key, keyHash, webhookSecret }: NewAccountWithKey): Promise<void> {
    return this.writes.write(() => {
      this.q('INSERT INTO accounts (id, name, credits_balance, webhook_secret, created_at) VALUES (?, ?, ?, ?, ?)').run(
        account.id, account.name, 0, webhookSecret, account.created_at,
      );
      credits.adjust(this.q, account.id, account.credits_balance, 'grant', 'opening balance', account.created_at);
      this.insertKey(key, keyHash);
    });
  }

  addKey(key: ApiKeyRecord, keyHash: string): Promise<void> {
    return this.writes.write(() => this.insertKey(key, keyHash));
  }

  private insertKey(key: ApiKeyRecord, keyHash: string): void {
    this.q(
      'INSERT INTO api_keys (id, account_id, name, prefix, key_hash, rate_limit, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(key.id, key.account_id, key.name, key.prefix, keyHash, key.rate_limit, key.created_at, key.revoked_at);
  }

  async findKeyByHash(keyHash: string): Promise<{ key: ApiKeyRecord; account: Account } | null> {
    const row = this.q(
      `SELECT k.id, k.account_id, k.name, k.prefix, k.rate_limit, k.created_at, k.revoked_at,
              a.name AS account_name, a.credits_balance, a.max_running, a.created_at AS account_created_at
       FROM api_keys k JOIN accounts a ON a.id = k.account_id WHERE k.key_hash = ?`,
    ).get(keyHash) as Record<string, any> | undefined;
    if (!row) return null;
    return {
      key: {
        id: row.id, account_id: row.account_id, name: row.name, prefix: row.prefix,
        rate_limit: row.rate_limit, created_at: row.created_at, revoked_at: row.revoked_at,
      },
      account: { id: row.account_id, name: row.account_name, credits_balance: row.credits_balance, max_running: row.max_running, created_at: row.account_created_at },
    };
  }

  async listKeys(accountId?: string): Promise<ApiKeyRecord[]> {
    const cols = 'id, account_id, name, prefix, rate_limit, created_at, revoked_at';
    return (accountId
      ? this.q(`SELECT ${cols} FROM api_keys WHERE account_id = ? ORDER BY created_at`).all(accountId)
      : this.q(`SELECT ${cols} FROM api_keys ORDER BY created_at`).all()) as ApiKeyRecord[];
  }

  revokeKey(idOrPrefix: string, now: number): Promise<ApiKeyRecord | null> {
    return this.writes.write(() => {
      const rows = this.q('SELECT id FROM api_keys WHERE id = ? OR prefix = ?').all(idOrPrefix, idOrPrefix) as { id: string }[];
      if (rows.length !== 1) return null;
      const id = rows[0]!.id;
      this.q('UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?').run(now, id);
      return this.q('SELECT id, account_id, name, prefix, rate_limit, created_at, revoked_at FROM api_keys WHERE id = ?').get(id) as ApiKeyRecord;
    });
  }

  async getAccount(id: string): Promise<Account | null> {
    return (this.q('SELECT id, name, credits_balance, max_running, created_at FROM accounts WHERE id = ?').get(id) as Account | undefined) ?? null;
  }

  async getWebhookSecret(accountId: string): Promise<string | null> {
    const row = this.q('SELECT webhook_secret FROM accounts WHERE id = ?').get(accountId) as { webhook_secret: string } | undefined;
    return row?.webhook_secret ?? null;
  }

  private readSecrets(accountId: string): WebhookSecrets | null {
    return (this.q('SELECT webhook_secret AS current, webhook_secret_previous AS previous, webhook_secret_rotated_at AS rotated_at FROM accounts WHERE id = ?')
      .get(accountId) as WebhookSecrets | undefined) ?? null;
  }

  async getWebhookSecrets(accountId: string): Promise<WebhookSecrets | null> {
    return this.readSecrets(accountId);
  }

  rotateWebhookSecret(accountId: string, secret: string, now: number): Promise<WebhookSecrets | null> {
    return this.writes.write(() => {
      const info = this.q(
        'UPDATE accounts SET webhook_secret_previous = webhook_secret, webhook_secret = ?, webhook_secret_rotated_at = ? WHERE id = ?',
      ).run(secret, now, accountId);
      return info.changes === 0 ? null : this.readSecrets(accountId);
    });
  }

  setMaxRunning(accountId: string, max: number | null): Promise<boolean> {
    return this.writes.write(() => this.q('UPDATE accounts SET max_running = ? WHERE id = ?').run(max, accountId).changes === 1);
  }

  adjustCredits(accountId: string, amount: number, kind: 'grant' | 'topup', note: string | null, now: number): Promise<number | null> {
    return this.writes.write(() => credits.adjust(this.q, accountId, amount, kind, note, now));
  }

  async listLedger(accountId: string, limit: number, beforeSeq?: number): Promise<LedgerEntry[]> {
    return credits.listLedger(this.q, accountId, limit, beforeSeq);
  }

  async countKeys(): Promise<number> {
    return (this.q('SELECT count(*) AS n FROM api_keys WHERE revoked_at IS NULL').get() as { n: number }).n;
  }

  private insertStmt(): Statement {
    return this.q(`INSERT INTO tasks (${TASK_COLUMNS.join(', ')}) VALUES (${TASK_COLUMNS.map((c) => '@' + c).join(', ')})`);
  }

  private appendEvent(t: Task, type: string): void {
    const info = this.q('INSERT INTO task_events (task_id, type, status, progress, at) VALUES (?, ?, ?, ?, ?)').run(
      t.id, type, t.status, t.progress, Date.now(),
    );
    this.feed.noteOwn(Number(info.lastInsertRowid));
  }

  insertTasks(tasks: NewTask[], event: string): Promise<Task[]> {
    return this.writes.write(() => {
      credits.holdFor(this.q, tasks, Date.now());
      const ins = this.insertStmt();
      return tasks.map((t) => {
        const info = ins.run(toRow(t));
        const stored: Task = { ...t, run_id: Number(info.lastInsertRowid), version: 1 };
        this.appendEvent(stored, event);
        return stored;
      });
    });
  }

  async getTask(id: string, accountId?: string): Promise<Task | null> {
    const row = (accountId === undefined
      ? this.q('SELECT * FROM tasks WHERE id = ?').get(id)
      : this.q('SELECT * FROM tasks WHERE id = ? AND account_id = ?').get(id, accountId)) as TaskRow | undefined;
    return row ? fromRow(row) : null;
  }

  async findByIdempotencyKey(accountId: string, key: string): Promise<Task | null> {
    const row = this.q('SELECT * FROM tasks WHERE account_id = ? AND idempotency_key = ?').get(accountId, key) as TaskRow | undefined;
    return row ? fromRow(row) : null;
  }

  async findByIdempotencyKeys(accountId: string, keys: string[]): Promise<Task[]> {
    if (keys.length === 0) return [];
    const stmt = this.q('SELECT * FROM tasks WHERE account_id = ? AND idempotency_key = ?');
    return keys.flatMap((k) => {
      const row = stmt.get(accountId, k) as TaskRow | undefined;
      return row ? [fromRow(row)] : [];
    });
  }

  async getTaskByRunId(runId: number, accountId: string): Promise<Task | null> {
    const row = this.q('SELECT * FROM tasks WHERE run_id = ? AND account_id = ?').get(runId, accountId) as TaskRow | undefined;
    return row ? fromRow(row) : null;
  }

  async listTasks(q: TaskListQuery): Promise<Task[]> {
    const where = ['account_id = ?'];
    const args: unknown[] = [q.accountId];
    if (q.status && q.status.length > 0) {
      where.push(`status IN (${q.status.map(() => '?').join(', ')})`);
      args.push(...q.status);
    }
    if (q.capability) {
      where.push('capability = ?');
      args.push(q.capability);
    }
    if (q.before) {
      where.push('id < ?');
      args.push(q.before);
    }
    args.push(q.limit);
    const rows = this.q(`SELECT * FROM tasks WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`).all(...args) as TaskRow[];
    return rows.map(fromRow);
  }

  /**
   * Durable like every task write: a claim acknowledged only after the fsync that also covers
   * the task's creation, so nothing starts before its creator has been told the task exists.
   */
  claimTasks(o: ClaimOptions): Promise<Task[]> {
    return this.writes.write(() => {
      const modelFilter = o.models ? ` AND model IN (${o.models.map(() => '?').join(', ')})` : '';
      const room = this.accountRoom(o.defaultMaxRunning ?? null);
      const full = room ? [...room].filter(([, n]) => n <= 0).map(([a]) => a) : [];
      const accountFilter = full.length > 0 ? ` AND account_id NOT IN (${full.map(() => '?').join(', ')})` : '';
      let rows = this.q(
        // a never-started task past its queue deadline is the sweeper's to expire, not ours to start
        `SELECT * FROM tasks WHERE status = 'queued' AND run_after <= ?
           AND (started_at IS NOT NULL OR expires_at IS NULL OR expires_at >= ?)${modelFilter}${accountFilter}
         ORDER BY priority DESC, run_id LIMIT ?`,
      ).all(o.now, o.now, ...(o.models ?? []), ...full, o.limit) as TaskRow[];
      if (room) {
        rows = rows.filter((r) => {
          const left = room.get(r.account_id as string);
          if (left === undefined) return true;
          room.set(r.account_id as string, left - 1);
          return left > 0;
        });
      }
      const upd = this.q(
        `UPDATE tasks SET status = 'running', attempts = attempts + 1, started_at = COALESCE(started_at, @now),
           progress = COALESCE(progress, 0), lease_owner = @owner, lease_token = @token, lease_until = @until,
           version = version + 1
         WHERE run_id = @run_id AND status = 'queued'`,
      );
      return rows.map((r) => {
        const token = o.newToken();
        upd.run({ now: o.now, owner: o.owner, token, until: o.leaseUntil, run_id: r.run_id });
        const t = fromRow({
          ...r, status: 'running', attempts: (r.attempts as number) + 1, started_at: r.started_at ?? o.now,
          progress: r.progress ?? 0, lease_owner: o.owner, lease_token: token, lease_until: o.leaseUntil,
          version: (r.version as number) + 1,
        });
        this.appendEvent(t, 'task.running');
        const message = deliveryFor(t, 'task.running', o.now, o.webhookRetryUntil ?? o.now);
        if (message) deliveries.insertDelivery(this.q, message);
        return t;
      });
    });
  }

  /**
   * Room left under per-account concurrency limits, by account (null when no limit applies
   * anywhere). Accounts with a limit but nothing running are found lazily by the caller's filter
   * only if they are listed here, so every limited account with queued work is included.
   */
  private accountRoom(defaultMax: number | null): Map<string, number> | null {
    const anyLimited = defaultMax !== null || this.q('SELECT 1 FROM accounts WHERE max_running IS NOT NULL LIMIT 1').get() !== undefined;
    if (!anyLimited) return null;
    const rows = this.q(
      `SELECT a.id AS account_id, COALESCE(a.max_running, ?) - (SELECT count(*) FROM tasks r WHERE r.account_id = a.id AND r.status = 'running') AS room
       FROM accounts a WHERE COALESCE(a.max_running, ?) IS NOT NULL
         AND a.id IN (SELECT DISTINCT account_id FROM tasks WHERE status IN ('queued', 'running'))`,
    ).all(defaultMax, defaultMax) as { account_id: string; room: number }[];
    return new Map(rows.map((r) => [r.account_id, r.room]));
  }

  updateTask(u: TaskUpdate): Promise<Task | null> {
    return this.writes.write(() => {
      const row = toRow(u.next, MUTABLE_TASK_FIELDS);
      row.id = u.next.id;
      row.expect_status = u.expectStatus;
      const fenced = u.expectLeaseToken !== undefined;
      if (fenced) row.expect_lease = u.expectLeaseToken;
      const written = this.q(fenced ? UPDATE_FENCED : UPDATE_TASK).get(row) as { version: number } | undefined;
      if (!written) return null;
      // every other column is as the writer read it (fixed at creation), so the row need not be read back
      const stored: Task = { ...u.next, version: written.version };
      if (u.event) this.appendEvent(stored, u.event);
      if (u.settle) credits.settle(this.q, stored.account_id, stored.id, u.settle, Date.now());
      if (u.delivery) deliveries.insertDelivery(this.q, u.delivery);
      return stored;
    });
  }

  renewLeases(owner: string, ids: string[], leaseUntil: number): Promise<string[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.writes.write(() => {
      const upd = this.q(`UPDATE tasks SET lease_until = ? WHERE id = ? AND lease_owner = ? AND status = 'running'`);
      return ids.filter((id) => upd.run(leaseUntil, id, owner).changes === 1);
    }, { durable: false });
  }

  async findExpiredLeases(now: number, limit: number): Promise<Task[]> {
    return (this.q(`SELECT * FROM tasks WHERE status = 'running' AND lease_until < ? ORDER BY lease_until LIMIT ?`).all(now, limit) as TaskRow[]).map(fromRow);
  }

  async findOverdue(now: number, limit: number): Promise<Task[]> {
    return (this.q(
      `SELECT * FROM tasks WHERE status IN ('pending', 'queued') AND started_at IS NULL AND expires_at < ? ORDER BY expires_at LIMIT ?`,
    ).all(now, limit) as TaskRow[]).map(fromRow);
  }

  async nextRunAfter(now: number): Promise<number | null> {
    const row = this.q(`SELECT min(run_after) AS t FROM tasks WHERE status = 'queued' AND run_after > ?`).get(now) as { t: number | null };
    return row.t;
  }

  async listEvents(taskId: string, afterSeq: number): Promise<TaskEvent[]> {
    return this.q('SELECT seq, task_id, type, status, progress, at FROM task_events WHERE task_id = ? AND seq > ? ORDER BY seq').all(
      taskId, afterSeq,
    ) as TaskEvent[];
  }

  async queueStats(): Promise<QueueStats[]> {
    return this.q(
      `SELECT model, sum(status = 'queued') AS queued, sum(status = 'running') AS running,
              min(CASE WHEN status = 'queued' THEN created_at END) AS oldest_queued_at
       FROM tasks WHERE status IN ('queued', 'running') GROUP BY model ORDER BY model`,
    ).all() as QueueStats[];
  }

  async queuePosition(task: Task): Promise<number | null> {
    if (task.status !== 'queued') return null;
    const row = this.q(
      `SELECT count(*) AS n FROM tasks WHERE status = 'queued' AND model = ? AND run_after <= ?
         AND (priority > ? OR (priority = ? AND run_id < ?))`,
    ).get(task.model, Date.now(), task.priority, task.priority, task.run_id) as { n: number };
    return row.n + 1;
  }

  async listVoices(accountId: string): Promise<Voice[]> {
    return (this.q('SELECT * FROM voices WHERE account_id = ? ORDER BY created_at').all(accountId) as Record<string, any>[]).map(voiceFromRow);
  }

  async getVoice(id: string, accountId: string): Promise<Voice | null> {
    const row = this.q('SELECT * FROM voices WHERE id = ? AND account_id = ?').get(id, accountId) as Record<string, any> | undefined;
    return row ? voiceFromRow(row) : null;
  }

  insertVoices(voices: Voice[]): Promise<void> {
    return this.writes.write(() => {
      const ins = this.q(
        'INSERT INTO voices (id, account_id, name, language, gender, engine, params, sample_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      );
      for (const v of voices) {
        ins.run(v.id, v.account_id, v.name, v.language, v.gender, v.engine, JSON.stringify(v.params), v.sample_key, v.created_at);
      }
    });
  }

  /** one process owns an SQLite file, so there is never anything remote to hear */
  subscribeChanges(fn: (c: RemoteChanges) => void): () => void {
    return this.feed.subscribe(fn);
  }

  recordWorker(w: WorkerRecord): Promise<void> {
    return this.writes.write(() => {
      this.q(
        `INSERT INTO workers (id, host, pid, started_at, last_seen, alive_until, running, concurrency, models)
         VALUES (@id, @host, @pid, @started_at, @last_seen, @alive_until, @running, @concurrency, @models)
         ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen, alive_until = excluded.alive_until,
           running = excluded.running, concurrency = excluded.concurrency, models = excluded.models`,
      ).run({ ...w, models: JSON.stringify(w.models) });
      this.q('DELETE FROM workers WHERE alive_until < ?').run(w.last_seen - 3_600_000);
    });
  }

  removeWorker(id: string): Promise<void> {
    return this.writes.write(() => {
      this.q('DELETE FROM workers WHERE id = ?').run(id);
    });
  }

  async listWorkers(now: number): Promise<WorkerRecord[]> {
    const rows = this.q('SELECT * FROM workers WHERE alive_until >= ? ORDER BY started_at, id').all(now) as Array<Record<string, any>>;
    return rows.map((r) => ({ ...r, models: JSON.parse(r.models) }) as WorkerRecord);
  }

  /**
   * Durable: the claim resolves only after an fsync that covers what it read, so no message
   * goes out for a task change a crash could still take back.
   */
  claimDeliveries(now: number, limit: number, leaseUntil: number): Promise<Delivery[]> {
    return this.writes.write(() => deliveries.claimDeliveries(this.q, now, limit, leaseUntil));
  }

  /** An attempt's outcome does not wait for the fsync: one lost in a crash only sends the message again, with the same webhook-id. */
  finishDelivery(o: DeliveryOutcome): Promise<boolean> {
    return this.writes.write(() => deliveries.finishDelivery(this.q, o), { durable: false, savepoint: false });
  }

  async listDeliveries(q: DeliveryListQuery): Promise<Delivery[]> {
    return deliveries.listDeliveries(this.q, q);
  }

  async getDelivery(id: string, accountId: string): Promise<Delivery | null> {
    return deliveries.getDelivery(this.q, id, accountId);
  }

  redeliver(id: string, accountId: string, now: number, retryUntil: number): Promise<Delivery | null> {
    return this.writes.write(() => deliveries.redeliver(this.q, id, accountId, now, retryUntil));
  }

  async nextDeliveryAt(now: number): Promise<number | null> {
    return deliveries.nextDeliveryAt(this.q, now);
  }

  async findFinishedBefore(cutoff: number, limit: number): Promise<Task[]> {
    return (this.q(
      `SELECT * FROM tasks WHERE status IN ('succeeded', 'failed', 'timed_out', 'cancelled', 'expired') AND completed_at < ?
       ORDER BY completed_at LIMIT ?`,
    ).all(cutoff, limit) as TaskRow[]).map(fromRow);
  }

  deleteTasks(ids: string[]): Promise<number> {
    if (ids.length === 0) return Promise.resolve(0);
    return this.writes.write(() => {
      const del = this.q(`DELETE FROM tasks WHERE id = ? AND status IN ('succeeded', 'failed', 'timed_out', 'cancelled', 'expired')`);
      const delEvents = this.q('DELETE FROM task_events WHERE task_id = ?');
      const delDeliveries = this.q(`DELETE FROM webhook_deliveries WHERE task_id = ? AND status <> 'pending'`);
      let n = 0;
      for (const id of ids) {
        if (del.run(id).changes === 1) {
          delEvents.run(id);
          delDeliveries.run(id);
          n += 1;
        }
      }
      return n;
    });
  }
}

function voiceFromRow(r: Record<string, any>): Voice {
  return { ...r, params: JSON.parse(r.params) } as Voice;
}
