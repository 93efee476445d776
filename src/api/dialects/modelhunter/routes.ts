/**
 * ModelHunter at /modelhunter (https://api.modelhunter.ai): create by provider/capability path,
 * task status, list, retry and cancel, all in the `{success, data}` envelope. Bearer auth.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ApiContext } from '../../context.js';
import { authenticate } from '../../auth.js';
import { conflict } from '../../../core/errors.js';
import type { Task, TaskStatus } from '../../../core/task.js';
import { decodeCursor, encodeCursor } from '../../native/cursor.js';
import { createTask } from '../shared/create.js';
import { fieldError, int, str } from '../shared/fields.js';
import { dialectPlugin, type ErrorRenderer } from '../shared/plugin.js';
import { answerTask, readTask, renderContext } from '../shared/read-task.js';
import { RenderedTaskCache } from '../../rendered-cache.js';
import { canRetry, createRequest, errorBody, retryRequest, STATUS, toTask } from './map.js';

const s = (type: string | string[]) => ({ type });
const TaskData = {
  type: 'object',
  properties: {
    id: s('string'), type: s('string'), status: s('string'), provider: s(['string', 'null']), model: s('string'),
    progress: s('integer'), cost: s(['number', 'null']),
    result: { type: 'array', items: { type: 'object', properties: { url: s('string'), duration: s('number'), format: s('string'), size_bytes: s('integer') } } },
    error: { type: 'object', properties: { code: s('string'), message: s('string') } },
    created_at: s('string'), started_at: s('string'), completed_at: s('string'),
    metadata: { type: 'object', additionalProperties: true },
  },
};
const Envelope = { type: 'object', properties: { success: s('boolean'), data: TaskData } };
const ListEnvelope = {
  type: 'object',
  properties: {
    success: s('boolean'), data: { type: 'array', items: TaskData },
    pagination: { type: 'object', properties: { cursor: s(['string', 'null']), hasMore: s('boolean'), total: s(['integer', 'null']) } },
  },
};
type IdParams = { Params: { id: string } };

/** The vendor's list filter → genq statuses (its `failed` covers genq's `timed_out`). */
const statusFilter = (raw: string): TaskStatus[] => {
  const wanted = (Object.keys(STATUS) as TaskStatus[]).filter((k) => STATUS[k] === raw);
  if (wanted.length === 0) throw fieldError('status', 'value', `Unknown status "${raw}". Use one of: pending, queued, running, succeeded, failed, cancelled, expired`, 'query');
  return wanted;
};
const UNSUPPORTED_FILTERS = ['provider', 'modelId', 'startDate', 'endDate', 'search'];

/** The vendor's error shape; its 401 codes tell a missing Authorization header from a bad one. */
export const renderModelhunterError: ErrorRenderer = (e, req) => errorBody(e, req.headers.authorization !== undefined);

export function modelhunterDialect(ctx: ApiContext): FastifyPluginAsync {
  const routedTo = (t: Task) => ctx.registry.providerFor(t.model)?.id ?? null;
  const data = (t: Task, req: FastifyRequest) => ({ success: true, data: toTask(t, renderContext(ctx, req), routedTo(t)) });

  const rendered = new RenderedTaskCache(4 * 1024 * 1024);
  return dialectPlugin(renderModelhunterError, (app) => {
    app.post<{ Params: { provider: string; capability: string } }>('/api/v1/:provider/:capability', { schema: { response: { 202: Envelope } } }, async (req, reply) => {
      // the provider segment names the vendor's upstream; genq routes by model, so it is not used
      const { task } = await createTask(ctx, req, createRequest(req.params.capability, req.body), 'modelhunter');
      reply.code(202);
      return data(task, req);
    });

    app.get<IdParams>('/api/v1/tasks/:id', { schema: { response: { 200: Envelope } } }, async (req, reply) => {
      const task = await readTask(ctx, req, reply, req.params.id);
      return answerTask(reply, rendered, 'task', task, renderContext(ctx, req), () => data(task, req));
    });

    app.get<{ Querystring: Record<string, string> }>('/api/v1/tasks', { schema: { response: { 200: ListEnvelope } } }, async (req) => {
      const { account } = await authenticate(ctx.accounts, req);
      const q = req.query;
      const unsupported = UNSUPPORTED_FILTERS.find((f) => q[f] !== undefined);
      if (unsupported) throw fieldError(unsupported, 'value', `Filtering by "${unsupported}" is not supported by this server; filter by status`, 'query');
      const limit = int(q, 'limit', { where: 'query' }) ?? 20;
      if (limit < 1 || limit > 100) throw fieldError('limit', 'value', '"limit" must be between 1 and 100', 'query');
      const status = str(q, 'status');
      const cursor = str(q, 'cursor');
      const rows = await ctx.tasks.list(account.id, {
        status: status ? statusFilter(status) : undefined, limit: limit + 1, before: cursor ? decodeCursor(cursor) : undefined,
      });
      const page = rows.slice(0, limit);
      const hasMore = rows.length > limit;
      const rc = renderContext(ctx, req);
      return {
        success: true,
        data: page.map((t) => toTask(t, rc, routedTo(t), { list: true })),
        // total would need a count the core does not offer yet (docs/dialects.md)
        pagination: { cursor: hasMore ? encodeCursor(page[page.length - 1]!.id) : null, hasMore, total: null },
      };
    });

    app.post<IdParams>('/api/v1/tasks/:id/retry', { schema: { response: { 202: Envelope } } }, async (req, reply) => {
      const { account } = await authenticate(ctx.accounts, req);
      const old = await ctx.tasks.get(account.id, req.params.id);
      if (!canRetry(old)) throw conflict('TASK_NOT_RETRYABLE', `Only a failed or expired task can be retried; this one is ${STATUS[old.status]}`);
      const { task } = await createTask(ctx, req, retryRequest(old), 'modelhunter');
      reply.code(202);
      return data(task, req);
    });

    // the vendor documents "Cancel Task" (409 once finished) but not its path: both obvious ones
    const cancel = async (req: FastifyRequest<IdParams>) => {
      const { account } = await authenticate(ctx.accounts, req);
      return data(await ctx.tasks.cancel(account.id, req.params.id), req);
    };
    app.post<IdParams>('/api/v1/tasks/:id/cancel', { schema: { response: { 200: Envelope } } }, cancel);
    app.delete<IdParams>('/api/v1/tasks/:id', { schema: { response: { 200: Envelope } } }, cancel);
  });
}
