/**
 * `verifyWebhook`, for the receiving end of genq's webhooks. Browser-safe and Node-safe: it
 * uses the `standardwebhooks` package, which is plain JavaScript (no node:crypto).
 */
import { Webhook } from 'standardwebhooks';
import type { Task } from './types.js';

/** The body of a native-format message. */
export interface WebhookEvent {
  type: string;
  timestamp: string;
  data: Task;
}

export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

/**
 * Checks a message's Standard Webhooks signature (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature`) against the account's `whsec_…` secret, over the raw body exactly as
 * received, and that its timestamp is within 5 minutes of now. Returns the parsed body; throws
 * (WebhookVerificationError from `standardwebhooks`) when it does not verify. Every genq
 * message carries these headers, whatever its format.
 */
export function verifyWebhook<T = WebhookEvent>(secret: string, headers: WebhookHeaders, body: string | Uint8Array): T {
  const h: Record<string, string> = {};
  const put = (k: string, v: string | string[] | undefined) => {
    if (v !== undefined) h[k.toLowerCase()] = Array.isArray(v) ? v.join(' ') : v;
  };
  if (typeof Headers !== 'undefined' && headers instanceof Headers) headers.forEach((v, k) => put(k, v));
  else for (const [k, v] of Object.entries(headers as Record<string, string | string[] | undefined>)) put(k, v);
  const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
  return new Webhook(secret).verify(text, h) as T;
}
