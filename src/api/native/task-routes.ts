/** Native task endpoints: create, batch, get (with long-poll), list, cancel. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { ApiContext } from '../context.js';
import { authenticate } from '../auth.js';
import { invalidRequest } from '../../core/errors.js';
import { jsonDepthExceeds, MAX_JSON_DEPTH } from '../../core/json-depth.js';
import type { CreateTaskRequest } from '../../core/task-service.js';
import type { TaskStatus } from '../../core/task.js';
import { BatchBody, CreateTaskBody, ListQuery, STATUS_VALUES, TaskIdParams } from './schemas.js';
import { parsePreferWait } from './prefer.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { renderTask, type RenderContext } from './render.js';
import { RenderedTaskCache } from '../rendered-cache.js';
import { idempotencyKeyOf } from '../dialects/shared/create.js';
import { TaskBatchSchema, TaskListSchema, TaskSchema, errorResponses, ref } from './response-schemas.js';

export function renderContext(ctx: ApiContext, req: FastifyRequest): RenderContext {
  const baseUrl = ctx.config.publicUrl ?? `${req.protocol}://${req.host}`;
  const storage = ctx.storage;
  const fileUrl = storage.presignedUrl ? (key: string, expiresAtS: number) => storage.presignedUrl!(key, expiresAtS) : undefined;
  return { signer: ctx.signer, baseUrl, fileUrlTtlS: ctx.config.fileUrlTtlS, nowMs: Date.now(), ...(fileUrl ? { fileUrl } : {}) };
}

function toCreateRequest(body: CreateTaskBody, idempotencyKey?: string): CreateTaskRequest {
  // the core caps its size in every dialect (TaskService.prepare)
  if (jsonDepthExceeds(body.metadata)) throw invalidRequest(`metadata may nest at most ${MAX_JSON_DEPTH} levels deep`);
  return { ...body, input: body.input as Record<string, unknown>, ...(idempotencyKey ? { idempotency_key: idempotencyKey } : {}) };
}


const errors = errorResponses(400, 401, 402, 404, 409, 422, 429, 503);
const task = ref(TaskSchema);
// documented in /openapi.json; the handlers parse them (with clearer messages than a schema's)
const createHeaders = Type.Object({ 'idempotency-key': Type.Optional(Type.String({ description: 'a repeat with the same key (1–255 visible ASCII characters) and the same body returns the first task(s) with 200 instead of making (and charging) more; the same key with a different body is a 422 IDEMPOTENCY_KEY_REUSED' })) });
const getHeaders = Type.Object({ prefer: Type.Optional(Type.String({ description: 'wait=N (0–60): hold the answer until the task finishes or N seconds pass' })) });

/**
 * The task schema is full of nullable unions; fast-json-stringify resolves each `anyOf` by
 * running a validator per value, which cost more than JSON.stringify itself on the status-poll
 * hot path. The schemas still document the responses (OpenAPI, SDK types) and are tested
 * against rendered tasks; only the serializer is swapped.
 */
const plainJson = { serializerCompiler: () => (data: unknown) => JSON.stringify(data) };

export function registerTaskRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const rendered = new RenderedTaskCache();
  app.post<{ Body: CreateTaskBody }>('/v1/tasks', { ...plainJson, schema: { body: CreateTaskBody, headers: createHeaders, tags: ['tasks'], summary: 'Create a task', response: { 200: task, 202: task, ...errors } } }, async (req, reply) => {
    const { account } = await authenticate(ctx.accounts, req);
    const { task, created } = await ctx.tasks.create(account.id, toCreateRequest(req.body, idempotencyKeyOf(req)), 'native');
    reply.code(created ? 202 : 200).header('location', `/v1/tasks/${task.id}`);
    return renderTask(task, renderContext(ctx, req));
  });

  app.post<{ Body: BatchBody }>(
    '/v1/tasks/batch',
    { ...plainJson, bodyLimit: ctx.config.limits.batchBodyLimitBytes, schema: { body: BatchBody, headers: createHeaders, tags: ['tasks'], summary: 'Create up to 1,000 tasks, all or nothing', response: { 200: ref(TaskBatchSchema), 202: ref(TaskBatchSchema), ...errors } } },
    async (req, reply) => {
      const { account } = await authenticate(ctx.accounts, req);
      const reqs = req.body.tasks.map((b) => toCreateRequest(b));
      const key = idempotencyKeyOf(req);
      const { tasks, created } = key
        ? await ctx.tasks.createBatchOnce(account.id, reqs, 'native', key)
        : { tasks: await ctx.tasks.createBatch(account.id, reqs, 'native'), created: true };
      const rc = renderContext(ctx, req);
      reply.code(created ? 202 : 200);
      return { object: 'list', data: tasks.map((t) => renderTask(t, rc)) };
    },
  );

  app.get<{ Params: { id: string } }>('/v1/tasks/:id', { ...plainJson, schema: { params: TaskIdParams, headers: getHeaders, tags: ['tasks'], summary: 'Get a task; Prefer: wait=N holds until it finishes', response: { 200: task, ...errors } } }, async (req, reply) => {
    const { account } = await authenticate(ctx.accounts, req);
    const wait = parsePreferWait(req.headers.prefer);
    let task;
    if (wait !== null && wait > 0) {
      const aborted = new AbortController();
      req.raw.once('close', () => aborted.abort());
      task = await ctx.tasks.waitForTerminal(account.id, req.params.id, wait * 1000, aborted.signal);
      reply.header('preference-applied', `wait=${wait}`);
    } else {
      task = await ctx.tasks.get(account.id, req.params.id);
    }
    const position = task.status === 'queued' ? await ctx.store.queuePosition(task) : undefined;
    // already JSON: sent as it is
    reply.type('application/json; charset=utf-8');
    const rc = renderContext(ctx, req);
    return rendered.text(task, rc, () => JSON.stringify(renderTask(task, rc, position === undefined ? {} : { queue_position: position })));
  });

  app.get<{ Querystring: ListQuery }>('/v1/tasks', { ...plainJson, schema: { querystring: ListQuery, tags: ['tasks'], summary: 'List tasks, newest first', response: { 200: ref(TaskListSchema), ...errors } } }, async (req) => {
    const { account } = await authenticate(ctx.accounts, req);
    const q = req.query;
    const status = q.status ? q.status.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
    for (const s of status ?? []) {
      if (!STATUS_VALUES.includes(s)) throw invalidRequest(`Unknown status "${s}". Use one or more of: ${STATUS_VALUES.join(', ')}`);
    }
    const limit = q.limit ?? 20;
    const rows = await ctx.tasks.list(account.id, {
      status: status as TaskStatus[] | undefined, capability: q.capability, limit: limit + 1,
      before: q.cursor ? decodeCursor(q.cursor) : undefined,
    });
    const page = rows.slice(0, limit);
    const hasMore = rows.length > limit;
    const rc = renderContext(ctx, req);
    return {
      object: 'list',
      data: page.map((t) => renderTask(t, rc)),
      has_more: hasMore,
      next_cursor: hasMore ? encodeCursor(page[page.length - 1]!.id) : null,
    };
  });

  app.post<{ Params: { id: string } }>('/v1/tasks/:id/cancel', { ...plainJson, schema: { params: TaskIdParams, tags: ['tasks'], summary: 'Cancel a task (409 once finished)', response: { 200: task, ...errors } } }, async (req) => {
    const { account } = await authenticate(ctx.accounts, req);
    const task = await ctx.tasks.cancel(account.id, req.params.id);
    return renderTask(task, renderContext(ctx, req));
  });
}
