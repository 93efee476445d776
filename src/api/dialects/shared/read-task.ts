/**
 * The status read every dialect shares: authenticate, then either read the task or, when the
 * client sent `Prefer: wait=N` (a genq extension vendor clients never send), hold the response
 * until the task is terminal or N seconds pass, exactly as the native GET /v1/tasks/{id} does.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiContext } from '../../context.js';
import { authenticate } from '../../auth.js';
import type { Task } from '../../../core/task.js';
import { parsePreferWait } from '../../native/prefer.js';
import type { RenderContext } from '../../native/render.js';
import type { RenderedTaskCache } from '../../rendered-cache.js';

export async function readTask(ctx: ApiContext, req: FastifyRequest, reply: FastifyReply, id: string): Promise<Task> {
  const { account } = await authenticate(ctx.accounts, req);
  const wait = parsePreferWait(req.headers.prefer);
  if (wait === null || wait === 0) return ctx.tasks.get(account.id, id);
  const aborted = new AbortController();
  req.raw.once('close', () => aborted.abort());
  const task = await ctx.tasks.waitForTerminal(account.id, id, wait * 1000, aborted.signal);
  reply.header('preference-applied', `wait=${wait}`);
  return task;
}

/**
 * The answer to a status read, through `cache` (api/rendered-cache.ts): `draw` renders the task
 * in the route's shape, which the route's own serialiser (its response schema) turns into JSON.
 */
export function answerTask(reply: FastifyReply, cache: RenderedTaskCache, view: string, task: Task, rc: RenderContext, draw: () => unknown): string {
  reply.type('application/json; charset=utf-8');
  return cache.text(task, rc, () => {
    const out = reply.serialize(draw());
    return typeof out === 'string' ? out : Buffer.from(out as ArrayBuffer).toString('utf8');
  }, view);
}

export { renderContext } from '../../native/task-routes.js';
