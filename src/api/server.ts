/**
 * Builds the HTTP server: one structured log line per request, errors mapped to stable codes
 * (never a stack trace), the native API, downloads and operations endpoints.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import type { ApiContext } from './context.js';
import { classify, nativeErrorBody } from './errors.js';
import { validatorCompiler } from './validation.js';
import { registerTaskRoutes } from './native/task-routes.js';
import { registerEventsRoute } from './native/events-route.js';
import { registerCatalogRoutes } from './native/catalog-routes.js';
import { registerFilesRoute } from './files-route.js';
import { registerOpsRoutes } from './ops-routes.js';

export async function buildServer(ctx: ApiContext, logger: FastifyBaseLogger): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // our onResponse hook writes the single line per request
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: ctx.config.bodyLimitBytes,
    trustProxy: false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  app.decorateRequest('principal', null);
  app.setValidatorCompiler(validatorCompiler);

  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched';
    const ms = reply.elapsedTime;
    ctx.metrics.requests.observe({ method: req.method, route, status: reply.statusCode }, ms / 1000);
    req.log.info(
      { method: req.method, url: req.url.split('?')[0], route, status: reply.statusCode, ms: Math.round(ms * 100) / 100, account_id: req.principal?.account.id },
      'request',
    );
    done();
  });

  app.setErrorHandler((err, req, reply) => {
    const c = classify(err);
    if (c.status >= 500) req.log.error({ err }, 'unhandled error');
    if (c.status === 503) reply.header('retry-after', '5');
    reply.code(c.status).send(nativeErrorBody(c));
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send(nativeErrorBody({ status: 404, code: 'NOT_FOUND', type: 'not_found', message: `No route ${req.method} ${req.url.split('?')[0]}` }));
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'genq', version: '0.1.0', description: 'Asynchronous AI media generation tasks' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' } } },
      security: [{ bearer: [] }, { apiKey: [] }],
    },
  });

  registerTaskRoutes(app, ctx);
  registerEventsRoute(app, ctx);
  registerCatalogRoutes(app, ctx);
  registerFilesRoute(app, ctx);
  registerOpsRoutes(app, ctx);
  return app;
}
