/**
 * Maps anything a route throws to a status and a stable code. Dialects reuse `classify` and
 * only change the body shape. Unknown errors become a 500 with no detail: the stack goes to
 * the log, never to the client.
 */
import type { FastifyError } from 'fastify';
import { isGenqError } from '../core/errors.js';

export interface ClassifiedError {
  status: number;
  code: string;
  message: string;
  type: string;
  details?: Record<string, unknown>;
}

const FASTIFY_CODES: Record<string, { status: number; code: string; type: string; message?: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'PAYLOAD_TOO_LARGE', type: 'invalid_request', message: 'The request body is larger than this endpoint accepts' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', type: 'invalid_request', message: 'Send the body as JSON with "content-type: application/json"' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'INVALID_JSON', type: 'invalid_request', message: 'The body is empty; send a JSON object' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'INVALID_REQUEST', type: 'invalid_request' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'INVALID_JSON', type: 'invalid_request' },
};

export function classify(err: unknown): ClassifiedError {
  if (isGenqError(err)) {
    return { status: err.status, code: err.code, message: err.message, type: err.type, ...(err.details ? { details: err.details } : {}) };
  }
  const fe = err as FastifyError & { validationContext?: string };
  if (fe && Array.isArray(fe.validation)) {
    const first = fe.validation[0];
    const where = `${fe.validationContext ?? 'request'}${first?.instancePath ?? ''}`;
    let message = `${where} ${first?.message ?? 'is invalid'}`;
    if (first?.keyword === 'additionalProperties') message = `${where} has an unknown field "${String((first.params as any).additionalProperty)}"`;
    if (first?.keyword === 'enum') message += `: ${((first.params as any).allowedValues as unknown[]).join(', ')}`;
    return { status: 400, code: 'INVALID_REQUEST', message, type: 'invalid_request' };
  }
  if (fe && typeof fe.code === 'string' && FASTIFY_CODES[fe.code]) {
    const m = FASTIFY_CODES[fe.code]!;
    return { status: m.status, code: m.code, type: m.type, message: m.message ?? fe.message };
  }
  if (err instanceof SyntaxError || (fe && fe.statusCode === 400 && /JSON/i.test(fe.message))) {
    return { status: 400, code: 'INVALID_JSON', message: `The body is not valid JSON: ${(err as Error).message}`, type: 'invalid_request' };
  }
  if (fe && typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { status: fe.statusCode, code: 'INVALID_REQUEST', message: fe.message, type: 'invalid_request' };
  }
  return { status: 500, code: 'INTERNAL', message: 'Something went wrong on our side; the error has been logged', type: 'internal' };
}

/**
 * Headers an error answer carries in every dialect: `Retry-After` (whole seconds) on 503, and on
 * 429 the wait the limiter computed (details.retry_after_s).
 */
export function errorHeaders(e: ClassifiedError): Record<string, string> {
  if (e.status === 503) return { 'retry-after': '5' };
  const wait = e.details?.retry_after_s;
  if (e.status === 429 && typeof wait === 'number') return { 'retry-after': String(Math.max(1, Math.ceil(wait))) };
  return {};
}

export function nativeErrorBody(e: ClassifiedError): object {
  return { error: { code: e.code, message: e.message, type: e.type, ...(e.details ? { details: e.details } : {}) } };
}
