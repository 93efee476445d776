/**
 * Webhook deliveries of the calling account — list, inspect, redeliver — and rotation of its
 * signing secret. Another account's delivery is a 404, never a 403.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { ApiContext } from '../context.js';
import { authenticate } from '../auth.js';
import { GenqError, invalidRequest } from '../../core/errors.js';
import { newWebhookSecret } from '../../core/ids.js';
import type { Delivery } from '../../store/store.js';
import { errorResponses, ref } from './response-schemas.js';
import {
  DeliveryListQuery, WebhookDeliveryListSchema, WebhookDeliverySchema, WebhookSecretRotationSchema, type WebhookDelivery,
} from './webhook-schemas.js';

const DeliveryIdParams = Type.Object({ id: Type.String({ maxLength: 100 }) }, { additionalProperties: false });

const MESSAGE_ID = /^msg_[A-Za-z0-9_-]{1,64}$/;
const encodeCursor = (lastId: string) => Buffer.from(`d:${lastId}`).toString('base64url');
function decodeCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const id = text.startsWith('d:') ? text.slice(2) : '';
  if (!MESSAGE_ID.test(id)) throw invalidRequest('cursor is not one this server issued; pass next_cursor from the previous page');
  return id;
}

const deliveryNotFound = (id: string) =>
  new GenqError('DELIVERY_NOT_FOUND', `No webhook delivery with id "${id.slice(0, 100)}" exists for this account`, { status: 404, type: 'not_found' });

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

export function renderDelivery(d: Delivery): WebhookDelivery {
  return {
    id: d.id, object: 'webhook_delivery', task_id: d.task_id, event: d.event, url: d.url, format: d.format, status: d.status,
    attempts: d.attempts, next_attempt_at: d.status === 'pending' ? iso(d.next_attempt_at) : null, retry_until: iso(d.retry_until)!,
    last_status: d.last_status, last_error: d.last_error, created_at: iso(d.created_at)!, delivered_at: iso(d.delivered_at),
  };
}

export function registerWebhookRoutes(app: FastifyInstance, ctx: ApiContext): void {
  for (const s of [WebhookDeliverySchema, WebhookDeliveryListSchema, WebhookSecretRotationSchema]) app.addSchema(s);
  const errors = errorResponses(400, 401, 404, 429, 503);
  const delivery = ref(WebhookDeliverySchema);
  const tags = ['webhooks'];

  app.get<{ Querystring: DeliveryListQuery }>('/v1/webhooks/deliveries', {
    schema: { querystring: DeliveryListQuery, tags, summary: 'List webhook deliveries of the account, newest first', response: { 200: ref(WebhookDeliveryListSchema), ...errors } },
  }, async (req) => {
    const { account } = await authenticate(ctx.accounts, req);
    const q = req.query;
    const limit = q.limit ?? 20;
    const rows = await ctx.store.listDeliveries({
      accountId: account.id, limit: limit + 1,
      ...(q.status ? { status: q.status } : {}), ...(q.task_id ? { taskId: q.task_id } : {}), ...(q.cursor ? { before: decodeCursor(q.cursor) } : {}),
    });
    const page = rows.slice(0, limit);
    const hasMore = rows.length > limit;
    return { object: 'list', data: page.map(renderDelivery), has_more: hasMore, next_cursor: hasMore ? encodeCursor(page[page.length - 1]!.id) : null };
  });

  app.get<{ Params: { id: string } }>('/v1/webhooks/deliveries/:id', {
    schema: { params: DeliveryIdParams, tags, summary: 'Get one webhook delivery', response: { 200: delivery, ...errors } },
  }, async (req) => {
    const { account } = await authenticate(ctx.accounts, req);
    const d = MESSAGE_ID.test(req.params.id) ? await ctx.store.getDelivery(req.params.id, account.id) : null;
    if (!d) throw deliveryNotFound(req.params.id);
    return renderDelivery(d);
  });

  app.post<{ Params: { id: string } }>('/v1/webhooks/deliveries/:id/redeliver', {
    schema: {
      params: DeliveryIdParams, tags, response: { 200: delivery, ...errors },
      summary: 'Send a delivery again now (also a dead or succeeded one), retried for GENQ_WEBHOOK_RETRY_S from now',
    },
  }, async (req) => {
    const { account } = await authenticate(ctx.accounts, req);
    const now = Date.now();
    const d = MESSAGE_ID.test(req.params.id) ? await ctx.store.redeliver(req.params.id, account.id, now, now + ctx.config.webhookRetryS * 1000) : null;
    if (!d) throw deliveryNotFound(req.params.id);
    ctx.tasks.onDelivery();
    return renderDelivery(d);
  });

  app.post('/v1/account/webhook-secret/rotate', {
    schema: {
      tags: ['account'], response: { 200: ref(WebhookSecretRotationSchema), ...errorResponses(401, 404, 429, 503) },
      summary: 'Replace the webhook signing secret; the previous one keeps signing too for GENQ_WEBHOOK_SECRET_GRACE_S',
    },
  }, async (req) => {
    const { account } = await authenticate(ctx.accounts, req);
    const s = await ctx.store.rotateWebhookSecret(account.id, newWebhookSecret(), Date.now());
    if (!s) throw new GenqError('NOT_FOUND', 'The account no longer exists', { status: 404, type: 'not_found' });
    const grace = ctx.config.webhookSecretGraceS;
    return {
      object: 'webhook_secret', webhook_secret: s.current,
      previous_valid_until: s.previous !== null && s.rotated_at !== null && grace > 0 ? iso(Number(s.rotated_at) + grace * 1000) : null,
    };
  });
}
