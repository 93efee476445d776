/**
 * What the SDK throws. Every error is a `GenqError` with a stable UPPER_SNAKE `code`: the API's
 * own code for `GenqApiError`, and a client-side code for the rest. Match on `code`, never on
 * messages.
 */
import type { Task } from './types.js';

export class GenqError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GenqError';
    this.code = code;
  }
}

/** The server answered with an error: `status` is the HTTP status, `code` the API's code. */
export class GenqApiError extends GenqError {
  readonly status: number;
  readonly type: string;
  readonly details: Record<string, unknown> | undefined;
  /** from the Retry-After header (429, 503), in milliseconds */
  readonly retryAfterMs: number | null;
  constructor(init: { status: number; code: string; message: string; type: string; details?: Record<string, unknown>; retryAfterMs?: number | null }) {
    super(init.code, init.message);
    this.name = 'GenqApiError';
    this.status = init.status;
    this.type = init.type;
    this.details = init.details;
    this.retryAfterMs = init.retryAfterMs ?? null;
  }
}

/** The server could not be reached, or the connection broke (code CONNECTION_ERROR). */
export class GenqConnectionError extends GenqError {
  constructor(message: string, cause?: unknown) {
    super('CONNECTION_ERROR', message, { cause });
    this.name = 'GenqConnectionError';
  }
}

/**
 * `wait()` or `run()` gave up before the task finished (code WAIT_TIMEOUT). The task goes on
 * running on the server: `taskId` is how to find it again (wait again, or cancel it).
 */
export class GenqTimeoutError extends GenqError {
  readonly taskId: string;
  readonly task: Task | null;
  constructor(taskId: string, timeoutMs: number, task: Task | null) {
    super('WAIT_TIMEOUT', `Task ${taskId} is still ${task?.status ?? 'unfinished'} after ${Math.round(timeoutMs / 1000)} s; it keeps running on the server — wait for it again or cancel it`);
    this.name = 'GenqTimeoutError';
    this.taskId = taskId;
    this.task = task;
  }
}

/** `run()` saw the task end without success. `code` is the task's error code (or its status). */
export class GenqTaskFailedError extends GenqError {
  readonly task: Task;
  constructor(task: Task) {
    const code = task.error?.code ?? task.status.toUpperCase();
    super(code, `Task ${task.id} ${task.status}${task.error ? `: ${task.error.message}` : ''}`);
    this.name = 'GenqTaskFailedError';
    this.task = task;
  }
}

/** Builds a GenqApiError from a non-2xx response body (JSON `{error:{…}}` or anything else). */
export function apiErrorFrom(status: number, bodyText: string, retryAfterMs: number | null): GenqApiError {
  let err: { code?: unknown; message?: unknown; type?: unknown; details?: unknown } | undefined;
  try {
    const parsed = JSON.parse(bodyText) as { error?: typeof err };
    if (parsed && typeof parsed.error === 'object' && parsed.error !== null) err = parsed.error;
  } catch {
    // not JSON: a proxy's HTML page, say
  }
  const fallback = bodyText.trim().slice(0, 200) || `HTTP ${status}`;
  return new GenqApiError({
    status,
    code: typeof err?.code === 'string' ? err.code : `HTTP_${status}`,
    message: typeof err?.message === 'string' ? err.message : fallback,
    type: typeof err?.type === 'string' ? err.type : status >= 500 ? 'internal' : 'invalid_request',
    details: typeof err?.details === 'object' && err.details !== null ? (err.details as Record<string, unknown>) : undefined,
    retryAfterMs,
  });
}

/** The reason an AbortSignal fired, as something throwable (an AbortError DOMException by default). */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}
