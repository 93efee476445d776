/** The canonical task (DESIGN.md §2). Every dialect renders from this shape. */

export const TASK_STATUSES = [
  'pending',
  'queued',
  'running',
  'succeeded',
  'failed',
  'timed_out',
  'cancelled',
  'expired',
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const TERMINAL_STATUSES: ReadonlySet<TaskStatus> = new Set([
  'succeeded',
  'failed',
  'timed_out',
  'cancelled',
  'expired',
]);

export function isTerminal(status: TaskStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

export const CAPABILITY_ACTIONS = {
  voice: ['tts', 'design', 'clone', 'convert'],
  image: ['generate'],
  video: ['generate'],
  music: ['generate'],
} as const;
export type Capability = keyof typeof CAPABILITY_ACTIONS;

export interface TaskError {
  code: string;
  message: string;
  type: string;
  retryable: boolean;
}

/** A file as stored: the URL is not kept, it is signed afresh each time the task is read. */
export interface StoredFile {
  key: string;
  format: string;
  content_type: string;
  size_bytes: number;
  duration_s?: number | null;
  width?: number | null;
  height?: number | null;
}

export interface TaskResult {
  files: StoredFile[];
  [field: string]: unknown;
}

export interface WebhookSpec {
  url: string;
  /** event names (task.succeeded, …); default: every terminal one */
  events?: string[];
  /** body and headers of the POST: 'native' (Standard Webhooks) unless a vendor dialect asked for its own */
  format?: string;
}

export interface Task {
  id: string;
  account_id: string;
  capability: string;
  action: string;
  model: string;
  provider: string | null;
  status: TaskStatus;
  progress: number | null;
  input: Record<string, unknown>;
  result: TaskResult | null;
  error: TaskError | null;
  metadata: Record<string, unknown> | null;
  credits_reserved: number;
  credits_used: number | null;
  attempts: number;
  max_attempts: number;
  timeout_s: number;
  priority: number;
  idempotency_key: string | null;
  /** fingerprint of the create request, so a reused idempotency key with another body is refused */
  request_hash: string | null;
  webhook: WebhookSpec | null;
  dialect: string;
  /** epoch milliseconds */
  created_at: number;
  started_at: number | null;
  completed_at: number | null;
  /** queue deadline: a task not started by then becomes `expired` */
  expires_at: number | null;
  /** earliest time a queued task may be claimed (retry backoff, scheduling) */
  run_after: number;
  run_id: number;
  degraded: boolean;
  lease_owner: string | null;
  lease_token: string | null;
  lease_until: number | null;
  /** bumped on every write; lets readers detect change cheaply */
  version: number;
}

/** What the core hands to the store to insert; the store assigns run_id and version. */
export type NewTask = Omit<Task, 'run_id' | 'version'>;

/**
 * The fields a state transition may change (state-machine.ts; its tests check every
 * transition against this list). A task write stores these and leaves the rest, which are
 * fixed at creation (input, metadata, webhook, …), as they are.
 */
export const MUTABLE_TASK_FIELDS = [
  'status', 'progress', 'result', 'error', 'provider', 'credits_used', 'degraded', 'attempts', 'started_at', 'completed_at',
  'run_after', 'lease_owner', 'lease_token', 'lease_until',
] as const satisfies ReadonlyArray<keyof Task>;

export interface TaskEvent {
  seq: number;
  task_id: string;
  type: string;
  status: TaskStatus;
  progress: number | null;
  at: number;
}
