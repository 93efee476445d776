/**
 * The task state machine of DESIGN.md §2 as pure functions: no I/O, no clock, no randomness.
 * The core reads a task, asks `transition` for the next one and writes it with a
 * compare-and-set on (status, lease_token), so a stale writer can never win.
 */
import { GenqError } from './errors.js';
import type { Task, TaskError, TaskResult, TaskStatus } from './task.js';
import { isTerminal } from './task.js';

export type TaskTransition =
  | { type: 'admit' }
  | { type: 'claim'; owner: string; token: string; leaseUntil: number }
  | { type: 'progress'; progress: number }
  | { type: 'succeed'; result: TaskResult; provider: string; creditsUsed: number; degraded?: boolean }
  | { type: 'fail'; error: TaskError }
  | { type: 'retry'; error: TaskError; runAfter: number }
  | { type: 'timeout'; timeoutS: number }
  | { type: 'lease_expired'; runAfter: number }
  | { type: 'release' }
  | { type: 'cancel'; reason?: string }
  | { type: 'expire' };

/** Which states each transition may leave from. Terminal states appear nowhere. */
const FROM: Record<TaskTransition['type'], readonly TaskStatus[]> = {
  admit: ['pending'],
  claim: ['queued'],
  progress: ['running'],
  succeed: ['running'],
  fail: ['running', 'pending', 'queued'],
  retry: ['running'],
  timeout: ['running'],
  lease_expired: ['running'],
  release: ['running'],
  cancel: ['pending', 'queued', 'running'],
  expire: ['pending', 'queued'],
};

/** Every edge of the diagram, for tests and docs. */
export const ALLOWED_EDGES: ReadonlyArray<[TaskStatus, TaskStatus]> = [
  ['pending', 'queued'],
  ['pending', 'cancelled'],
  ['pending', 'expired'],
  ['pending', 'failed'],
  ['queued', 'running'],
  ['queued', 'cancelled'],
  ['queued', 'expired'],
  ['queued', 'failed'],
  ['running', 'running'],
  ['running', 'succeeded'],
  ['running', 'failed'],
  ['running', 'timed_out'],
  ['running', 'queued'],
  ['running', 'cancelled'],
];

export class InvalidTransitionError extends GenqError {
  constructor(from: TaskStatus, type: TaskTransition['type']) {
    const finished = isTerminal(from);
    super(
      finished ? 'TASK_FINISHED' : 'INVALID_TRANSITION',
      finished ? `The task is already ${from}; it can no longer change` : `A ${from} task cannot ${type}`,
      { status: 409, type: 'conflict' },
    );
  }
}

export function canTransition(from: TaskStatus, type: TaskTransition['type']): boolean {
  return FROM[type].includes(from);
}

const clearLease = { lease_owner: null, lease_token: null, lease_until: null } as const;

/** Returns the task after `t` at time `now`, or throws InvalidTransitionError. Never mutates `task`. */
export function transition(task: Task, t: TaskTransition, now: number): Task {
  if (!canTransition(task.status, t.type)) throw new InvalidTransitionError(task.status, t.type);
  switch (t.type) {
    case 'admit':
      return { ...task, status: 'queued' };
    case 'claim':
      return {
        ...task,
        status: 'running',
        attempts: task.attempts + 1,
        started_at: task.started_at ?? now,
        progress: task.progress ?? 0,
        lease_owner: t.owner,
        lease_token: t.token,
        lease_until: t.leaseUntil,
      };
    case 'progress': {
      // a NaN report would otherwise poison Math.max below and be stored
      const p = Number.isNaN(t.progress) ? 0 : Math.min(1, Math.max(0, t.progress));
      // progress only moves forward within an attempt; a retry starts over from the stored value
      return { ...task, progress: Math.max(task.progress ?? 0, p) };
    }
    case 'succeed':
      return {
        ...task,
        ...clearLease,
        status: 'succeeded',
        progress: 1,
        result: t.result,
        error: null,
        provider: t.provider,
        // never more than was held at admission: the hold is the price the client agreed to
        credits_used: Math.min(t.creditsUsed, task.credits_reserved),
        degraded: t.degraded ?? task.degraded,
        completed_at: now,
      };
    case 'fail':
      return { ...task, ...clearLease, status: 'failed', error: t.error, credits_used: 0, completed_at: now };
    case 'retry':
      if (task.attempts >= task.max_attempts) {
        return transition(task, { type: 'fail', error: t.error }, now);
      }
      return { ...task, ...clearLease, status: 'queued', error: t.error, run_after: t.runAfter };
    case 'timeout':
      return {
        ...task,
        ...clearLease,
        status: 'timed_out',
        error: {
          code: 'TIMEOUT',
          message: `The task ran longer than its timeout of ${t.timeoutS} s`,
          type: 'timeout',
          retryable: false,
        },
        credits_used: 0,
        completed_at: now,
      };
    case 'lease_expired': {
      const error: TaskError = {
        code: 'WORKER_LOST',
        message: 'The worker running this task stopped answering; its lease expired',
        type: 'internal',
        retryable: true,
      };
      if (task.attempts >= task.max_attempts) return transition(task, { type: 'fail', error }, now);
      return { ...task, ...clearLease, status: 'queued', error, run_after: t.runAfter };
    }
    case 'release':
      // a graceful shutdown hands the task back without spending one of its attempts
      return { ...task, ...clearLease, status: 'queued', attempts: Math.max(0, task.attempts - 1) };
    case 'cancel':
      return {
        ...task,
        ...clearLease,
        status: 'cancelled',
        error: { code: 'CANCELLED', message: t.reason ?? 'The task was cancelled', type: 'cancelled', retryable: false },
        credits_used: 0,
        completed_at: now,
      };
    case 'expire':
      return {
        ...task,
        status: 'expired',
        error: {
          code: 'EXPIRED',
          message: 'No worker started the task before its queue deadline',
          type: 'timeout',
          retryable: false,
        },
        credits_used: 0,
        completed_at: now,
      };
  }
}

/** The event name a transition emits to long-polls, SSE and (later) webhooks. */
export function eventName(t: TaskTransition, after: Task): string {
  return t.type === 'progress' ? 'task.progress' : `task.${after.status}`;
}

/** Retry backoff: exponential with full jitter, capped. `random` is injected to keep this pure. */
export function retryDelayMs(attempt: number, random: number, baseMs = 1000, capMs = 60_000): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}
