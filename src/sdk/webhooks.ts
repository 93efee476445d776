/** `genq.webhooks`: the account's webhook deliveries and its signing secret (receivers: ./verify-webhook.ts). */
import type { HttpClient } from './http.js';
import type { DeliveryListQuery, WebhookDelivery, WebhookDeliveryList, WebhookSecretRotation } from '../api/native/webhook-schemas.js';

export type { WebhookDelivery, WebhookDeliveryList, WebhookSecretRotation };
export type WebhookDeliveryListParams = DeliveryListQuery;

export class Webhooks {
  constructor(private readonly http: HttpClient) {}

  /** GET /v1/webhooks/deliveries: one page, newest first; `status: 'dead'` lists the dead letters. */
  listDeliveries(params: WebhookDeliveryListParams = {}, opts: { signal?: AbortSignal } = {}): Promise<WebhookDeliveryList> {
    return this.http.json<WebhookDeliveryList>('GET', '/v1/webhooks/deliveries', { query: { ...params }, signal: opts.signal });
  }

  /** GET /v1/webhooks/deliveries/{id} (the id is the `webhook-id` header of the message). */
  getDelivery(id: string, opts: { signal?: AbortSignal } = {}): Promise<WebhookDelivery> {
    return this.http.json<WebhookDelivery>('GET', `/v1/webhooks/deliveries/${encodeURIComponent(id)}`, { signal: opts.signal });
  }

  /** POST …/redeliver: sends the message again now, with a fresh retry window. */
  redeliver(id: string, opts: { signal?: AbortSignal } = {}): Promise<WebhookDelivery> {
    // repeating it only sends the same message (same webhook-id) once more: safe to retry
    return this.http.json<WebhookDelivery>('POST', `/v1/webhooks/deliveries/${encodeURIComponent(id)}/redeliver`, { signal: opts.signal, idempotent: true });
  }

  /**
   * POST /v1/account/webhook-secret/rotate: a new signing secret. Not retried: a repeat whose
   * first answer was lost would rotate twice, and the secret in between would be unknown to you.
   */
  rotateSecret(opts: { signal?: AbortSignal } = {}): Promise<WebhookSecretRotation> {
    return this.http.json<WebhookSecretRotation>('POST', '/v1/account/webhook-secret/rotate', { signal: opts.signal, idempotent: false });
  }
}
