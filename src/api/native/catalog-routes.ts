/** What this server offers and who is asking: models, voices, account. */
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { authenticate } from '../auth.js';
import { signedPath } from '../../storage/url-signer.js';
import { renderContext } from './task-routes.js';
import { fileUrlExpiry } from './render.js';
import { Type } from '@sinclair/typebox';
import { AccountSchema, LedgerSchema, ModelListSchema, VoiceListSchema, errorResponses, ref } from './response-schemas.js';

export function registerCatalogRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/v1/models', { schema: { tags: ['catalog'], summary: 'Models this server runs', response: { 200: ref(ModelListSchema) } } }, async () => ({
    object: 'list',
    data: ctx.registry.models().map((m) => ({
      id: m.id, object: 'model', capability: m.capability, action: m.action, description: m.description,
      default: m.default === true, provider: ctx.registry.providerFor(m.id)!.id,
    })),
  }));

  app.get('/v1/voices', { schema: { tags: ['catalog'], summary: 'Built-in voices and the account’s own', response: { 200: ref(VoiceListSchema), ...errorResponses(401) } } }, async (req) => {
    const { account } = await authenticate(ctx.accounts, req);
    const builtin = ctx.registry.providers.flatMap((p) => (p.voices ?? []).map((v) => ({ ...v, object: 'voice', owner: 'builtin' })));
    const rc = renderContext(ctx, req);
    const expires = fileUrlExpiry(rc.nowMs, rc.fileUrlTtlS);
    const own = (await ctx.store.listVoices(account.id)).map((v) => ({
      id: v.id, object: 'voice', owner: 'account', name: v.name, language: v.language, gender: v.gender, engine: v.engine,
      sample_url: v.sample_key ? rc.baseUrl + signedPath(ctx.signer, v.sample_key, expires) : null,
      created_at: new Date(v.created_at).toISOString(),
    }));
    return { object: 'list', data: [...builtin, ...own] };
  });

  app.get('/v1/account', { schema: { tags: ['account'], summary: 'The calling account', response: { 200: ref(AccountSchema), ...errorResponses(401) } } }, async (req) => {
    const { account, key } = await authenticate(ctx.accounts, req);
    const fresh = (await ctx.store.getAccount(account.id)) ?? account;
    return {
      id: fresh.id, object: 'account', name: fresh.name, credits_balance: fresh.credits_balance, max_running: fresh.max_running ?? null,
      webhook_secret: await ctx.store.getWebhookSecret(account.id),
      created_at: new Date(fresh.created_at).toISOString(),
      key: { id: key.id, name: key.name, prefix: key.prefix, rate_limit: key.rate_limit },
    };
  });

  app.get<{ Querystring: { limit?: number; cursor?: string } }>('/v1/account/ledger', {
    schema: {
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })), cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })) }, { additionalProperties: false }),
      tags: ['account'], summary: 'Credit movements of the calling account, newest first', response: { 200: ref(LedgerSchema), ...errorResponses(400, 401) },
    },
  }, async (req) => {
    const { account } = await authenticate(ctx.accounts, req);
    const limit = req.query.limit ?? 50;
    const rows = await ctx.store.listLedger(account.id, limit + 1, req.query.cursor === undefined ? undefined : Number(req.query.cursor));
    const page = rows.slice(0, limit);
    return {
      object: 'list',
      data: page.map((e) => ({ seq: e.seq, kind: e.kind, amount: e.amount, task_id: e.task_id, note: e.note, at: new Date(e.at).toISOString() })),
      has_more: rows.length > limit,
      next_cursor: rows.length > limit ? String(page[page.length - 1]!.seq) : null,
    };
  });
}
