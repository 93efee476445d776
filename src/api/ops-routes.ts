/** Liveness, readiness, metrics and the OpenAPI document. */
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from './context.js';

export function registerOpsRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const hide = { schema: { hide: true } as object };
  app.get('/healthz', hide, async () => ({ status: 'ok' }));
  app.get('/readyz', hide, async (_req, reply) => {
    try {
      await ctx.store.ping();
      return { status: 'ready', store: ctx.store.kind };
    } catch {
      reply.code(503).header('retry-after', '5');
      return { status: 'unavailable', store: ctx.store.kind };
    }
  });
  app.get('/metrics', hide, async (_req, reply) => {
    const { contentType, body } = await ctx.metrics.render();
    reply.header('content-type', contentType);
    return body;
  });
  app.get('/openapi.json', hide, async () => app.swagger());
}
