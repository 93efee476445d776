/**
 * GET /v1/status: is the queue stuck, or just short of capacity? Queue depth and oldest wait
 * per model, and every live worker with what it runs, across all processes sharing the store.
 * Needs an API key (it names hosts); it shows counts only, never another account's tasks.
 */
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { authenticate } from '../auth.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function registerStatusRoute(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/v1/status', { schema: { tags: ['operations'], summary: 'Queue depth, oldest wait per model, and live workers' } }, async (req) => {
    await authenticate(ctx.accounts, req);
    const now = Date.now();
    const [queues, workers] = await Promise.all([ctx.store.queueStats(), ctx.store.listWorkers(now)]);
    const q = queues.map((s) => ({
      model: s.model,
      queued: Number(s.queued),
      running: Number(s.running),
      oldest_queued_at: iso(s.oldest_queued_at === null ? null : Number(s.oldest_queued_at)),
      oldest_wait_s: s.oldest_queued_at === null ? null : Math.max(0, Math.round((now - Number(s.oldest_queued_at)) / 100) / 10),
    }));
    return {
      object: 'status',
      store: ctx.store.kind,
      storage: ctx.storage.kind,
      time: iso(now),
      totals: {
        queued: q.reduce((n, s) => n + s.queued, 0),
        running: q.reduce((n, s) => n + s.running, 0),
        workers: workers.length,
        slots: workers.reduce((n, w) => n + w.concurrency, 0),
        busy_slots: workers.reduce((n, w) => n + w.running, 0),
      },
      queues: q,
      workers: workers.map((w) => ({
        id: w.id, host: w.host, pid: w.pid, running: w.running, concurrency: w.concurrency, models: w.models,
        started_at: iso(w.started_at), last_seen: iso(w.last_seen), last_seen_s_ago: Math.max(0, Math.round((now - w.last_seen) / 100) / 10),
      })),
    };
  });
}
