/**
 * GET /v1/tasks/{id}/events: Server-Sent Events of every transition and progress change.
 * The store's event log is the source of truth; the bus only says "look again". So a client
 * that reconnects with Last-Event-ID resumes exactly where it left off, and nothing is lost
 * between the replay and the live part.
 */
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { authenticate } from '../auth.js';
import { isTerminal } from '../../core/task.js';
import { TaskIdParams } from './schemas.js';
import { TaskEventSchema, errorResponses, ref } from './response-schemas.js';
import { renderContext } from './task-routes.js';
import { renderTask } from './render.js';

const KEEPALIVE_MS = 15_000;

export function registerEventsRoute(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Params: { id: string } }>(
    '/v1/tasks/:id/events',
    {
      schema: {
        params: TaskIdParams,
        tags: ['tasks'],
        summary: 'Server-Sent Events of a task',
        response: {
          200: {
            description: 'text/event-stream: `id: <seq>`, `event: <type>`, `data: <TaskEvent>` per event. Resumes after Last-Event-ID; closes when the task finishes.',
            content: { 'text/event-stream': { schema: ref(TaskEventSchema) } },
          },
          ...errorResponses(401, 404),
        },
      },
    },
    async (req, reply) => {
      const { account } = await authenticate(ctx.accounts, req);
      await ctx.tasks.get(account.id, req.params.id); // 404 before the stream opens
      const lastRaw = req.headers['last-event-id'];
      let lastSeq = typeof lastRaw === 'string' && /^\d+$/.test(lastRaw) ? Number(lastRaw) : 0;
      const rc = renderContext(ctx, req);

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write(': genq task events\nretry: 2000\n\n');

      let closed = false;
      let flushing: Promise<void> = Promise.resolve();
      let unsubscribe = () => {};
      const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
      const close = () => {
        if (closed) return;
        closed = true;
        clearInterval(keepalive);
        unsubscribe();
        ctx.tasks.shutdownSignal.removeEventListener('abort', close);
        res.end();
      };
      req.raw.once('close', close);
      // shutting down: end the stream (the client reconnects with Last-Event-ID) so it does not hold the server open
      if (ctx.tasks.shutdownSignal.aborted) return close();
      ctx.tasks.shutdownSignal.addEventListener('abort', close, { once: true });

      const flush = async () => {
        if (closed) return;
        // read the task before its events: a terminal task's events are all stored by then
        const before = await ctx.tasks.get(account.id, req.params.id);
        const events = await ctx.store.listEvents(req.params.id, lastSeq);
        if (events.length === 0) {
          // nothing after Last-Event-ID and the task is finished: end the stream instead of
          // idling forever (an EventSource reconnects with the terminal event's id)
          if (isTerminal(before.status)) close();
          return;
        }
        const task = isTerminal(before.status) ? before : await ctx.tasks.get(account.id, req.params.id);
        const rendered = renderTask(task, { ...rc, nowMs: Date.now() });
        for (const e of events) {
          lastSeq = e.seq;
          const data = { seq: e.seq, type: e.type, status: e.status, progress: e.progress, at: new Date(e.at).toISOString(), task: rendered };
          res.write(`id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(data)}\n\n`);
        }
        if (isTerminal(task.status) && isTerminal(events[events.length - 1]!.status)) close();
      };
      const schedule = () => {
        flushing = flushing.then(flush).catch((err) => {
          req.log.warn({ err: String(err) }, 'sse flush failed');
          close();
        });
      };
      unsubscribe = ctx.tasks.bus.subscribe(req.params.id, schedule);
      schedule();
    },
  );
}
