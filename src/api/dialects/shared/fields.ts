/**
 * Reading a vendor's create body field by field. Every failure is a 400 INVALID_REQUEST whose
 * details say which field and why (`reason`), so each dialect can render it in its own shape
 * (CAMB.AI turns `reason` into a pydantic error type, the others show the message).
 */
import { invalidRequest } from '../../../core/errors.js';

export type Body = Record<string, unknown>;
/** what kind of problem a field has; CAMB.AI maps these onto pydantic's error types */
export type FieldReason = 'missing' | 'string' | 'int' | 'number' | 'bool' | 'object' | 'array' | 'value' | 'extra';
/** where the field sits in the request (FastAPI's first `loc` element) */
export type FieldIn = 'body' | 'query' | 'path';

export const fieldError = (field: string | null, reason: FieldReason, message: string, where: FieldIn = 'body') =>
  invalidRequest(message, { field, reason, in: where });

const name = (field: string) => `"${field}"`;

export function asObject(body: unknown): Body {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw fieldError(null, body === undefined || body === null ? 'missing' : 'object', 'The request body must be a JSON object (send "content-type: application/json")');
  }
  return body as Body;
}

/** Rejects fields the vendor does not document: a typo should fail loudly, not be dropped. */
export function rejectUnknown(body: Body, allowed: readonly string[]): void {
  const extra = Object.keys(body).filter((k) => !allowed.includes(k));
  if (extra.length > 0) {
    throw fieldError(extra[0]!, 'extra', `Unknown field ${name(extra[0]!)}. This endpoint accepts: ${allowed.join(', ')}`);
  }
}

const absent = (v: unknown) => v === undefined || v === null;

export function str(body: Body, field: string, opts: { required: true; max?: number }): string;
export function str(body: Body, field: string, opts?: { required?: false; max?: number }): string | undefined;
export function str(body: Body, field: string, opts: { required?: boolean; max?: number } = {}): string | undefined {
  const v = body[field];
  if (absent(v)) {
    if (opts.required) throw fieldError(field, 'missing', `${name(field)} is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw fieldError(field, 'string', `${name(field)} must be a string, got ${typeof v}`);
  if (opts.required && v.trim() === '') throw fieldError(field, 'value', `${name(field)} must not be empty`);
  if (opts.max !== undefined && v.length > opts.max) throw fieldError(field, 'value', `${name(field)} is longer than ${opts.max} characters`);
  return v;
}

/** Integers as pydantic's lax mode takes them: 3, 3.0 and "3" are all 3. */
export function int(body: Body, field: string, opts: { required: true; where?: FieldIn }): number;
export function int(body: Body, field: string, opts?: { required?: false; where?: FieldIn }): number | undefined;
export function int(body: Body, field: string, opts: { required?: boolean; where?: FieldIn } = {}): number | undefined {
  const v = body[field];
  if (absent(v) || v === '') {
    if (opts.required) throw fieldError(field, 'missing', `${name(field)} is required`, opts.where);
    return undefined;
  }
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw fieldError(field, 'int', `${name(field)} must be an integer, got ${JSON.stringify(v)}`, opts.where);
  return n;
}

export function num(body: Body, field: string): number | undefined {
  const v = body[field];
  if (absent(v)) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw fieldError(field, 'number', `${name(field)} must be a number, got ${JSON.stringify(v)}`);
  return v;
}

export function bool(body: Body, field: string): boolean | undefined {
  const v = body[field];
  if (absent(v)) return undefined;
  if (typeof v !== 'boolean') throw fieldError(field, 'bool', `${name(field)} must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

export function obj(body: Body, field: string, opts: { required?: boolean } = {}): Body | undefined {
  const v = body[field];
  if (absent(v)) {
    if (opts.required) throw fieldError(field, 'missing', `${name(field)} is required`);
    return undefined;
  }
  if (typeof v !== 'object' || Array.isArray(v)) throw fieldError(field, 'object', `${name(field)} must be a JSON object`);
  return v as Body;
}

export function arr(body: Body, field: string, opts: { required?: boolean } = {}): unknown[] | undefined {
  const v = body[field];
  if (absent(v)) {
    if (opts.required) throw fieldError(field, 'missing', `${name(field)} is required`);
    return undefined;
  }
  if (!Array.isArray(v)) throw fieldError(field, 'array', `${name(field)} must be an array`);
  return v;
}

/** Keys whose value is undefined are left out, so the core sees only what the client set. */
export function compact<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
