/**
 * The one storage interface genq's core talks to. SQLite (embedded default) and PostgreSQL
 * (scale-out) implement it and must both pass test/store/conformance.ts.
 *
 * Every write is durable when its promise resolves. Writes that change a task's state are
 * compare-and-set: they name the status (and lease token) the writer last saw and report
 * whether they won, which is how a worker that lost its lease is fenced off.
 */
import type { NewTask, Task, TaskEvent, TaskStatus } from '../core/task.js';

export interface Account {
  id: string;
  name: string;
  credits_balance: number;
  created_at: number;
}

export interface ApiKeyRecord {
  id: string;
  account_id: string;
  name: string;
  /** first characters of the key, for recognising it in listings; the key itself is never stored */
  prefix: string;
  rate_limit: number | null;
  created_at: number;
  revoked_at: number | null;
}

export interface NewAccountWithKey {
  account: Account;
  key: ApiKeyRecord;
  keyHash: string;
  webhookSecret: string;
}

export interface TaskListQuery {
  accountId: string;
  status?: TaskStatus[];
  capability?: string;
  limit: number;
  /** id of the last task of the previous page; pages go newest first */
  before?: string;
}

export interface ClaimOptions {
  owner: string;
  limit: number;
  now: number;
  leaseUntil: number;
  /** a fresh token per claimed task is produced by this function */
  newToken: () => string;
  /** only models this worker can run; undefined = any */
  models?: string[];
}

/** A state write: the task as the writer computed it, guarded by what it expected to find. */
export interface TaskUpdate {
  next: Task;
  expectStatus: TaskStatus;
  expectLeaseToken?: string | null;
  /** event to append in the same transaction (omit for silent writes such as lease renewals) */
  event?: string;
}

export interface QueueStats {
  model: string;
  queued: number;
  running: number;
  oldest_queued_at: number | null;
}

/** A task change as another process learns of it (PostgreSQL: LISTEN/NOTIFY), by id and status only. */
export interface RemoteChange {
  id: string;
  status: TaskStatus;
  type: string;
}

/**
 * What other processes wrote since the last call: `wake` says claimable work may have been
 * queued; `changes` are transitions of existing tasks. 'resync' means notifications may have
 * been missed (the listening connection was lost), so listeners should look again.
 */
export type RemoteChanges = { wake: boolean; changes: RemoteChange[] } | 'resync';

/** A worker process as it last reported itself (GET /v1/status). */
export interface WorkerRecord {
  id: string;
  host: string;
  pid: number;
  started_at: number;
  last_seen: number;
  /** counts as gone after this time unless it reports again */
  alive_until: number;
  running: number;
  concurrency: number;
  models: string[];
}

export interface Voice {
  id: string;
  account_id: string | null;
  name: string;
  language: string;
  gender: string | null;
  engine: string;
  params: Record<string, unknown>;
  sample_key: string | null;
  created_at: number;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  migrate(): Promise<void>;
  close(): Promise<void>;
  /** cheap liveness probe for /readyz */
  ping(): Promise<void>;

  // settings shared by every process (URL-signing secret, …)
  getOrCreateSetting(name: string, create: () => string): Promise<string>;

  // accounts and keys
  createAccountWithKey(rec: NewAccountWithKey): Promise<void>;
  addKey(key: ApiKeyRecord, keyHash: string): Promise<void>;
  findKeyByHash(keyHash: string): Promise<{ key: ApiKeyRecord; account: Account } | null>;
  listKeys(accountId?: string): Promise<ApiKeyRecord[]>;
  revokeKey(idOrPrefix: string, now: number): Promise<ApiKeyRecord | null>;
  getAccount(id: string): Promise<Account | null>;
  getWebhookSecret(accountId: string): Promise<string | null>;
  countKeys(): Promise<number>;

  // tasks
  /** all-or-nothing; returns the stored tasks (with run_id and version) in input order */
  insertTasks(tasks: NewTask[], event: string): Promise<Task[]>;
  /** accountId undefined = any account (worker/internal use only) */
  getTask(id: string, accountId?: string): Promise<Task | null>;
  findByIdempotencyKey(accountId: string, key: string): Promise<Task | null>;
  getTaskByRunId(runId: number, accountId: string): Promise<Task | null>;
  listTasks(q: TaskListQuery): Promise<Task[]>;
  /** atomically moves up to `limit` claimable queued tasks to running under a lease */
  claimTasks(opts: ClaimOptions): Promise<Task[]>;
  /** compare-and-set; returns the written task or null when the guard did not match */
  updateTask(u: TaskUpdate): Promise<Task | null>;
  /** extends the leases this owner still holds; returns the ids it still holds */
  renewLeases(owner: string, ids: string[], leaseUntil: number): Promise<string[]>;
  /** running tasks whose lease ended before `now` */
  findExpiredLeases(now: number, limit: number): Promise<Task[]>;
  /** pending/queued never-started tasks whose queue deadline passed */
  findOverdue(now: number, limit: number): Promise<Task[]>;
  /** earliest run_after among queued tasks later than now, so a worker can sleep until then */
  nextRunAfter(now: number): Promise<number | null>;
  listEvents(taskId: string, afterSeq: number): Promise<TaskEvent[]>;
  queueStats(): Promise<QueueStats[]>;
  /** 1-based position of a queued task among claimable tasks of its model */
  queuePosition(task: Task): Promise<number | null>;

  // voices of accounts (built-in voices live with their providers)
  listVoices(accountId: string): Promise<Voice[]>;
  getVoice(id: string, accountId: string): Promise<Voice | null>;
  insertVoices(voices: Voice[]): Promise<void>;

  // several processes on one store
  /** calls `fn` with what other processes wrote to this store (PostgreSQL: LISTEN/NOTIFY; SQLite: the event log, polled) */
  subscribeChanges(fn: (c: RemoteChanges) => void): () => void;
  /** upserts a worker's presence; also forgets workers gone for more than an hour */
  recordWorker(w: WorkerRecord): Promise<void>;
  removeWorker(id: string): Promise<void>;
  /** workers whose alive_until is at or after `now`, oldest first */
  listWorkers(now: number): Promise<WorkerRecord[]>;

  // retention
  /** terminal tasks completed before `cutoff`, oldest first */
  findFinishedBefore(cutoff: number, limit: number): Promise<Task[]>;
  /** deletes these tasks (terminal ones only) and their events; returns how many went */
  deleteTasks(ids: string[]): Promise<number>;
}
