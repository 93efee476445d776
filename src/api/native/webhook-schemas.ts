/**
 * Schemas of the webhook endpoints: validation, serialization, /openapi.json and the SDK's types
 * (src/sdk imports these with `import type`). No Node-only code here: the dashboard's
 * type-check reads this file too.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { DeliveryStatus } from '../../store/store.js';
import { ref } from './response-schemas.js';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const DateTime = (description?: string) => Type.String({ format: 'date-time', ...(description ? { description } : {}) });
export const DELIVERY_STATUSES = ['pending', 'succeeded', 'dead'] as const;

export const WebhookDeliverySchema = Type.Object(
  {
    id: Type.String({ description: 'the message id: the `webhook-id` header, the same on every attempt (dedupe on it)' }),
    object: Type.Literal('webhook_delivery'),
    task_id: Type.String(),
    event: Type.String({ description: 'task.running, task.succeeded, task.failed, …' }),
    url: Type.String(),
    format: Type.String({ description: 'native (Standard Webhooks) or modelhunter' }),
    status: Type.Unsafe<DeliveryStatus>({ type: 'string', enum: [...DELIVERY_STATUSES], description: 'pending (waiting or being sent), succeeded, or dead (retries exhausted)' }),
    attempts: Type.Integer({ description: 'attempts started, counting redeliveries' }),
    next_attempt_at: Nullable(DateTime('while pending: when the next attempt is due')),
    retry_until: DateTime('no retry is made after this; the message is then dead'),
    last_status: Nullable(Type.Integer({ description: 'HTTP status of the last answer; null when there was none (timeout, refused, connection error)' })),
    last_error: Nullable(Type.String()),
    created_at: DateTime('when the event happened'),
    delivered_at: Nullable(DateTime('when a 2xx answer was received')),
  },
  { $id: 'WebhookDelivery', additionalProperties: false },
);
export type WebhookDelivery = Static<typeof WebhookDeliverySchema>;

export const WebhookDeliveryListSchema = Type.Object(
  {
    object: Type.Literal('list'),
    data: Type.Array(ref(WebhookDeliverySchema)),
    has_more: Type.Boolean(),
    next_cursor: Nullable(Type.String({ description: 'pass as ?cursor= for the next page' })),
  },
  { $id: 'WebhookDeliveryList', additionalProperties: false },
);
export type WebhookDeliveryList = Static<typeof WebhookDeliveryListSchema>;

export const WebhookSecretRotationSchema = Type.Object(
  {
    object: Type.Literal('webhook_secret'),
    webhook_secret: Type.String({ description: 'the new whsec_… secret; messages are signed with it from now on' }),
    previous_valid_until: Nullable(DateTime('until then messages also carry a signature made with the previous secret')),
  },
  { $id: 'WebhookSecretRotation', additionalProperties: false },
);
export type WebhookSecretRotation = Static<typeof WebhookSecretRotationSchema>;

export const DeliveryListQuery = Type.Object(
  {
    status: Type.Optional(Type.Unsafe<DeliveryStatus>({ type: 'string', enum: [...DELIVERY_STATUSES] })),
    task_id: Type.Optional(Type.String({ maxLength: 64 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type DeliveryListQuery = Static<typeof DeliveryListQuery>;
