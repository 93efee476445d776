/**
 * `verifyWebhook`, for the receiving end of genq's webhooks: checks the Standard Webhooks
 * signature (https://www.standardwebhooks.com) with WebCrypto, so it runs in Node 18+, Deno,
 * Bun, workers and browsers (secure contexts) with no dependency. Any Standard Webhooks library
 * verifies genq's messages as well (docs/webhooks.md).
 */
import type { Task } from './types.js';

/** The body of a native-format message. */
export interface WebhookEvent {
  type: string;
  timestamp: string;
  data: Task;
}

export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

export interface VerifyOptions {
  /** how far the `webhook-timestamp` may be from now; default 300 s, as the specification suggests */
  toleranceS?: number;
  /** unix milliseconds; default Date.now() */
  now?: number;
}

export class WebhookVerificationError extends Error {
  override name = 'WebhookVerificationError';
}

function headerMap(headers: WebhookHeaders): Map<string, string> {
  const out = new Map<string, string>();
  const put = (k: string, v: string | string[] | undefined) => {
    if (v !== undefined) out.set(k.toLowerCase(), Array.isArray(v) ? v.join(' ') : v);
  };
  if (typeof Headers !== 'undefined' && headers instanceof Headers) headers.forEach((v, k) => put(k, v));
  else for (const [k, v] of Object.entries(headers as Record<string, string | string[] | undefined>)) put(k, v);
  return out;
}

const fromBase64 = (s: string): Uint8Array<ArrayBuffer> => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const toBase64 = (b: Uint8Array): string => btoa(String.fromCharCode(...b));

/** compares in time independent of where the strings differ */
function sameString(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * Checks a message's `webhook-signature` against the account's `whsec_…` secret (any of its
 * space-separated `v1,…` signatures may match: during a rotation there are two), over the raw
 * body exactly as received, and that `webhook-timestamp` is within the tolerance of now.
 * Resolves with the parsed body; rejects with WebhookVerificationError otherwise. Every genq
 * message carries these headers, whatever its format. Dedupe on `webhook-id`: delivery is
 * at least once.
 */
export async function verifyWebhook<T = WebhookEvent>(secret: string, headers: WebhookHeaders, body: string | Uint8Array, opts: VerifyOptions = {}): Promise<T> {
  const h = headerMap(headers);
  const id = h.get('webhook-id');
  const timestamp = h.get('webhook-timestamp');
  const signatures = h.get('webhook-signature');
  if (!id || !timestamp || !signatures) throw new WebhookVerificationError('missing webhook-id, webhook-timestamp or webhook-signature header');
  const ts = /^\d+$/.test(timestamp) ? Number(timestamp) : NaN;
  if (!Number.isFinite(ts)) throw new WebhookVerificationError('webhook-timestamp is not unix seconds');
  const skew = Math.floor((opts.now ?? Date.now()) / 1000) - ts;
  const tolerance = opts.toleranceS ?? 300;
  if (skew > tolerance) throw new WebhookVerificationError('message timestamp too old');
  if (skew < -tolerance) throw new WebhookVerificationError('message timestamp too new');

  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new Error('verifyWebhook needs WebCrypto (crypto.subtle): Node 18+, or a browser page served over https');
  let key: Uint8Array<ArrayBuffer>;
  try {
    key = fromBase64(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret);
  } catch {
    throw new Error('the secret is not a whsec_… base64 secret');
  }
  const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
  const hmacKey = await subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const expected = toBase64(new Uint8Array(await subtle.sign('HMAC', hmacKey, new TextEncoder().encode(`${id}.${timestamp}.${text}`))));
  for (const versioned of signatures.split(' ')) {
    const comma = versioned.indexOf(',');
    if (versioned.slice(0, comma) === 'v1' && sameString(versioned.slice(comma + 1), expected)) return JSON.parse(text) as T;
  }
  throw new WebhookVerificationError('no signature matches: check the secret, and that the body is passed exactly as received');
}
