/**
 * Webhook subscriptions on tasks: which events a task reports, and the message stored for one.
 * Pure; the store writes the message with the task change (the outbox), the deliverer sends it.
 */
import { invalidRequest } from './errors.js';
import { newId } from './ids.js';
import { TERMINAL_STATUSES, type Task, type WebhookSpec } from './task.js';
import type { NewDelivery } from '../store/store.js';

/** events a webhook may ask for: a task starting, and each way it can finish */
export const WEBHOOK_EVENTS = ['task.running', ...[...TERMINAL_STATUSES].map((s) => `task.${s}`)] as const;
export const DEFAULT_WEBHOOK_EVENTS: readonly string[] = [...TERMINAL_STATUSES].map((s) => `task.${s}`);

/** Checks a webhook's events (the URL is checked by the outbound-URL policy); returns it normalised. */
export function normaliseWebhook(spec: WebhookSpec, checkUrl: (url: string) => void): WebhookSpec {
  checkUrl(spec.url);
  const events = spec.events ?? [...DEFAULT_WEBHOOK_EVENTS];
  if (events.length === 0) throw invalidRequest('webhook.events must name at least one event, or be left out for every terminal event');
  for (const e of events) {
    if (!(WEBHOOK_EVENTS as readonly string[]).includes(e)) {
      throw invalidRequest(`webhook.events: unknown event "${e}". Use any of: ${WEBHOOK_EVENTS.join(', ')}`);
    }
  }
  return { url: spec.url, events: [...new Set(events)], ...(spec.format ? { format: spec.format } : {}) };
}

/**
 * `msg_` + a UUID v7 in 32 hex digits: the Standard Webhooks `webhook-id`, unique per message and
 * time-ordered, so listing deliveries by id (the store's cursor order) lists the newest first.
 */
export const newMessageId = (): string => `msg_${newId().replace(/-/g, '')}`;

/** The message a change of `task` to `event` stores, if its webhook asked for that event. */
export function deliveryFor(task: Task, event: string, now: number, retryUntil: number): NewDelivery | undefined {
  const hook = task.webhook;
  if (!hook) return undefined;
  const events = hook.events ?? DEFAULT_WEBHOOK_EVENTS;
  if (!events.includes(event)) return undefined;
  return {
    // made only for a message that is stored: every task change passes through here
    id: newMessageId(), account_id: task.account_id, task_id: task.id, event, url: hook.url, format: hook.format ?? 'native',
    task: JSON.stringify(task), created_at: now, retry_until: retryUntil,
  };
}
