import crypto from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

/** UUID v7: time-ordered (so listings and cursors sort by creation) yet unguessable. */
export const newTaskId = (): string => uuidv7();
export const newId = (): string => uuidv7();
/** lease tokens: 12 random bytes each, cut from a pool filled 256 tokens at a time (one randomBytes call costs ~10 µs here) */
const TOKEN_BYTES = 12;
const tokenPool = Buffer.alloc(TOKEN_BYTES * 256);
let tokenAt = tokenPool.length;
export const newToken = (): string => {
  if (tokenAt + TOKEN_BYTES > tokenPool.length) {
    crypto.randomFillSync(tokenPool);
    tokenAt = 0;
  }
  tokenAt += TOKEN_BYTES;
  return tokenPool.toString('base64url', tokenAt - TOKEN_BYTES, tokenAt);
};

export const newApiKey = (): string => `sk_${crypto.randomBytes(24).toString('base64url')}`;
export const newWebhookSecret = (): string => `whsec_${crypto.randomBytes(24).toString('base64')}`;

/** API keys carry 192 random bits, so a fast unsalted hash is enough to store them safely. */
export const hashApiKey: (key: string) => string = typeof crypto.hash === 'function'
  // one-shot hashing (Node 20.12+) is three times cheaper than a Hash object; it runs on every request
  ? (key) => crypto.hash('sha256', key, 'hex')
  : (key) => crypto.createHash('sha256').update(key).digest('hex');

/** A task id as the native API accepts it; anything else is a 404 without touching the store. */
export const TASK_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
