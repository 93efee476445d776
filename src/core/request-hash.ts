/**
 * The fingerprint of a create request, kept with its task so that a repeat with the same
 * Idempotency-Key can be told apart from a different request reusing the key.
 */
import crypto from 'node:crypto';
import { configure } from 'safe-stable-stringify';

// keys sorted, so {"a":1,"b":2} and {"b":2,"a":1} are the same request
const canonical = configure({ deterministic: true, bigint: false, circularValue: Error });

export function requestHash(dialect: string, request: unknown): string {
  return crypto.createHash('sha256').update(dialect).update('\n').update(canonical(request) ?? 'null').digest('base64url');
}
