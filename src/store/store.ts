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
  /** credits available now: grants and top-ups, less holds of unfinished tasks and charges */
  credits_balance: number;
  /** most tasks of this account running at once; null = the server's default */
  max_running?: number | null;
  created_at: number;
}

/** One movement of an account's credits. The ledger is append-only; amounts are signed changes to the balance. */
export type LedgerKind = 'grant' | 'topup' | 'hold' | 'release' | 'charge';

export interface LedgerEntry {
  seq: number;
  account_id: string;
  task_id: string | null;
  kind: LedgerKind;
  amount: number;
  note: string | null;
  at: number;
}

/** What a finished task gives back and takes: its hold returns whole, then the actual cost is charged. */
export interface Settlement {
  release: number;
  charge: number;
}

/** A webhook message as stored: written in the same transaction as the task change it reports. */
export interface NewDelivery {
  /** the Standard Webhooks `webhook-id` (msg_…), the same on every attempt */
  id: string;
  account_id: string;
  task_id: string;
  event: string;
  url: string;
  /** body and headers: 'native' (Standard Webhooks) or a vendor's own, e.g. 'modelhunter' */
  format: string;
  /** the task as of the event, JSON */
  task: string;
  created_at: number;
  /** attempts stop (dead letter) after this time */
  retry_until: number;
  /**
   * Born claimed: the process storing it sends it itself as soon as the change is durable, so
   * it is stored as attempt 1, due again (as lost) only at this time. Absent = due at once.
   */
  claimed_until?: number;
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'dead';

export interface Delivery extends NewDelivery {
  status: DeliveryStatus;
  attempts: number;
  /** when the next attempt is due; while an attempt is in flight, when it counts as lost */
  next_attempt_at: number;
  last_status: number | null;
  last_error: string | null;
  updated_at: number;
  delivered_at: number | null;
}

/** The outcome of one attempt, written only if no other attempt was started since (attempts still matches). */
export interface DeliveryOutcome {
  id: string;
  attempt: number;
  status: DeliveryStatus;
  next_attempt_at: number;
  last_status: number | null;
  last_error: string | null;
  at: number;
}

export interface DeliveryListQuery {
  accountId: string;
  status?: DeliveryStatus;
  taskId?: string;
  limit: number;
  /** id of the last delivery of the previous page; newest first */
  before?: string;
}

export interface WebhookSecrets {
  current: string;
  /** the secret replaced by the last rotation, still used to sign during the grace period */
  previous: string | null;
  rotated_at: number | null;
}

/** Raised by insertTasks when an account cannot cover the holds of what it asked for. */
export class InsufficientCredits extends Error {
  constructor(readonly accountId: string, readonly required: number, readonly balance: number) {
    super(`insufficient credits: ${required} required, ${balance} available`);
    this.name = 'InsufficientCredits';
  }
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
  /** running tasks per account for accounts without their own max_running; null/undefined = no limit */
  defaultMaxRunning?: number | null;
  /** the retry deadline of the task.running webhook messages a claim stores (with the claim, like every message) */
  webhookRetryUntil?: number;
}

/** A state write: the task as the writer computed it, guarded by what it expected to find. */
export interface TaskUpdate {
  /**
   * The task after a transition of the stored one: it differs from it only in
   * MUTABLE_TASK_FIELDS (core/task.ts), which are all that is written; the rest were fixed at
   * creation. The store returns `next` with the new version.
   */
  next: Task;
  expectStatus: TaskStatus;
  expectLeaseToken?: string | null;
  /** event to append in the same transaction (omit for silent writes such as lease renewals) */
  event?: string;
  /** a finished task's credits, moved in the same transaction (ledger rows + balance) */
  settle?: Settlement;
  /** a webhook message to store in the same transaction */
  delivery?: NewDelivery;
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
  getWebhookSecrets(accountId: string): Promise<WebhookSecrets | null>;
  /** replaces the secret; the old one is kept as `previous` */
  rotateWebhookSecret(accountId: string, secret: string, now: number): Promise<WebhookSecrets | null>;
  countKeys(): Promise<number>;
  /** null = the server default */
  setMaxRunning(accountId: string, max: number | null): Promise<boolean>;

  // credits
  /** adds (or, negative, removes) credits with a ledger row; returns the new balance, null for an unknown account; never below 0 */
  adjustCredits(accountId: string, amount: number, kind: 'grant' | 'topup', note: string | null, now: number): Promise<number | null>;
  /** newest first */
  listLedger(accountId: string, limit: number, beforeSeq?: number): Promise<LedgerEntry[]>;

  // tasks
  /**
   * All-or-nothing; returns the stored tasks (with run_id and version) in input order. Each
   * task's credits_reserved is held from its account in the same transaction (a `hold` ledger
   * row); if the account cannot cover them all, nothing is written and InsufficientCredits is thrown.
   */
  insertTasks(tasks: NewTask[], event: string): Promise<Task[]>;
  /** accountId undefined = any account (worker/internal use only) */
  getTask(id: string, accountId?: string): Promise<Task | null>;
  findByIdempotencyKey(accountId: string, key: string): Promise<Task | null>;
  /** the tasks holding these keys, in no particular order */
  findByIdempotencyKeys(accountId: string, keys: string[]): Promise<Task[]>;
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

  // webhook deliveries (stored by updateTask with the change they report)
  /** due deliveries, each marked in flight until `leaseUntil` with its attempt counted */
  claimDeliveries(now: number, limit: number, leaseUntil: number): Promise<Delivery[]>;
  /** false when the delivery moved on (another attempt started, or it was redelivered) */
  finishDelivery(o: DeliveryOutcome): Promise<boolean>;
  listDeliveries(q: DeliveryListQuery): Promise<Delivery[]>;
  getDelivery(id: string, accountId: string): Promise<Delivery | null>;
  /** makes a delivery due again now with a fresh retry window; null when it is not this account's */
  redeliver(id: string, accountId: string, now: number, retryUntil: number): Promise<Delivery | null>;
  /** earliest next_attempt_at of a pending delivery after now, so the deliverer can sleep until then */
  nextDeliveryAt(now: number): Promise<number | null>;

  // retention
  /** terminal tasks completed before `cutoff`, oldest first */
  findFinishedBefore(cutoff: number, limit: number): Promise<Task[]>;
  /** deletes these tasks (terminal ones only), their events and finished webhook deliveries; the ledger stays; returns how many went */
  deleteTasks(ids: string[]): Promise<number>;
}
