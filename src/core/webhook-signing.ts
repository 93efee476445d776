/**
 * Signatures of webhook messages. Pure functions: given the message and the secrets, the headers.
 *
 * Every message carries the Standard Webhooks headers (https://www.standardwebhooks.com):
 * `webhook-id`, `webhook-timestamp` (unix seconds) and `webhook-signature` ("v1,<base64
 * HMAC-SHA256 of `id.timestamp.body`>", keyed with the base64-decoded `whsec_` secret). Right
 * after a rotation, the message is signed with the previous secret too, space-separated, as the
 * specification allows, so receivers still holding the old secret keep verifying.
 *
 * ModelHunter-format messages add that vendor's own headers: `X-Webhook-ID`,
 * `X-Webhook-Timestamp`, `X-Webhook-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`
 * (keyed with the secret string exactly as shown to the account, `whsec_` prefix included),
 * `X-Webhook-Event` and `X-Job-ID`. The vendor's header holds one signature, so it is made with
 * the current secret only.
 */
import crypto from 'node:crypto';
import type { WebhookSecrets } from '../store/store.js';

export interface MessageToSign {
  /** the delivery id (`msg_…`), the same on every attempt */
  id: string;
  /** when this attempt is made, unix seconds */
  timestampS: number;
  body: string;
  /** the current secret first, then the previous one while it is still in its grace period */
  secrets: readonly string[];
}

/** Which secrets sign a message sent at `nowMs`: the current one, and the previous one for `graceS` after a rotation. */
export function signingSecrets(s: WebhookSecrets, nowMs: number, graceS: number): string[] {
  const inGrace = s.previous !== null && s.rotated_at !== null && nowMs < s.rotated_at + graceS * 1000;
  return inGrace ? [s.current, s.previous!] : [s.current];
}

/** the HMAC key of a `whsec_<base64>` secret; an account has one or two, so decoded keys are kept */
const keys = new Map<string, Buffer>();
function keyOf(secret: string): Buffer {
  let key = keys.get(secret);
  if (!key) {
    if (keys.size >= 1024) keys.clear();
    key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
    keys.set(secret, key);
  }
  return key;
}

/**
 * `v1,<base64>` for each secret, space-separated: the value of `webhook-signature`. Made with
 * node:crypto (OpenSSL) rather than the `standardwebhooks` package, whose pure-JS SHA-256 (it
 * also runs in browsers) cost 20 µs a message; the tests verify every signature with that package.
 */
export function standardSignature(m: MessageToSign): string {
  return m.secrets.map((secret) => `v1,${crypto.createHmac('sha256', keyOf(secret)).update(`${m.id}.${m.timestampS}.${m.body}`).digest('base64')}`).join(' ');
}

export function standardHeaders(m: MessageToSign): Record<string, string> {
  return { 'webhook-id': m.id, 'webhook-timestamp': String(m.timestampS), 'webhook-signature': standardSignature(m) };
}

/** ModelHunter's recipe: `sha256=` + hex HMAC-SHA256 keyed with the secret string as given, over `timestamp.body`. */
export function modelhunterSignature(secret: string, timestampS: number, body: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(`${timestampS}.${body}`).digest('hex')}`;
}

export function modelhunterHeaders(m: MessageToSign, vendorEvent: string, taskId: string): Record<string, string> {
  return {
    ...standardHeaders(m),
    // X-Webhook-ID etc. in the vendor's docs; header names are case-insensitive, and sent lower-case
    'x-webhook-id': m.id,
    'x-webhook-timestamp': String(m.timestampS),
    'x-webhook-signature': modelhunterSignature(m.secrets[0]!, m.timestampS, m.body),
    'x-webhook-event': vendorEvent,
    'x-job-id': taskId,
  };
}

/** The headers of one attempt for a delivery `format`; `type` is the event as that format names it. */
export function signedHeaders(format: string, m: MessageToSign, type: string, taskId: string): Record<string, string> {
  if (m.secrets.length === 0) throw new Error('a webhook message needs at least one secret');
  return format === 'modelhunter' ? modelhunterHeaders(m, type, taskId) : standardHeaders(m);
}
