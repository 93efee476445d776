/**
 * The small vocabulary of errors genq raises. Each carries a stable UPPER_SNAKE code, an
 * HTTP status and whether retrying could help; dialects map them, nobody matches messages.
 */
export type ErrorType =
  | 'invalid_request'
  | 'authentication'
  | 'not_found'
  | 'conflict'
  | 'payment_required'
  | 'rate_limited'
  | 'unavailable'
  | 'provider'
  | 'timeout'
  | 'internal';

export class GenqError extends Error {
  readonly code: string;
  readonly status: number;
  readonly type: ErrorType;
  readonly retryable: boolean;
  readonly details?: Record<string, unknown>;

  constructor(
    code: string,
    message: string,
    opts: { status: number; type: ErrorType; retryable?: boolean; details?: Record<string, unknown>; cause?: unknown },
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'GenqError';
    this.code = code;
    this.status = opts.status;
    this.type = opts.type;
    this.retryable = opts.retryable ?? false;
    if (opts.details) this.details = opts.details;
  }
}

export const invalidRequest = (message: string, details?: Record<string, unknown>) =>
  new GenqError('INVALID_REQUEST', message, { status: 400, type: 'invalid_request', details });

export const invalidInput = (message: string, details?: Record<string, unknown>) =>
  new GenqError('INVALID_INPUT', message, { status: 422, type: 'invalid_request', details });

export const unknownModel = (message: string) =>
  new GenqError('UNKNOWN_MODEL', message, { status: 422, type: 'invalid_request' });

export const unauthorized = (message = 'Missing or invalid API key. Send it as "Authorization: Bearer sk_…" or "x-api-key: sk_…".') =>
  new GenqError('UNAUTHORIZED', message, { status: 401, type: 'authentication' });

export const notFound = (what: string) =>
  new GenqError('NOT_FOUND', `${what} not found`, { status: 404, type: 'not_found' });

export const taskNotFound = (id: string) =>
  new GenqError('TASK_NOT_FOUND', `No task with id "${id}" exists for this account`, { status: 404, type: 'not_found' });

export const conflict = (code: string, message: string) =>
  new GenqError(code, message, { status: 409, type: 'conflict' });

export const unavailable = (message: string) =>
  new GenqError('UNAVAILABLE', message, { status: 503, type: 'unavailable', retryable: true });

/** Raised by providers: the worker retries these while attempts remain. */
export const providerError = (message: string, retryable = true, cause?: unknown) =>
  new GenqError('PROVIDER_ERROR', message, { status: 502, type: 'provider', retryable, cause });

export function isGenqError(e: unknown): e is GenqError {
  return e instanceof GenqError;
}

/** Turns anything thrown into a task error that is safe to show a client (no stack). */
export function toTaskError(e: unknown): { code: string; message: string; type: string; retryable: boolean } {
  if (isGenqError(e)) return { code: e.code, message: e.message, type: e.type, retryable: e.retryable };
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'PROVIDER_ERROR', message: message || 'provider failed', type: 'provider', retryable: true };
}
