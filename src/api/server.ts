/**
 * Builds the HTTP server: one structured log line per request, errors mapped to stable codes
 * (never a stack trace), the native API, downloads and operations endpoints.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync, type FastifyReply, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import type { ApiContext } from './context.js';
import { classify, errorHeaders, nativeErrorBody, type ClassifiedError } from './errors.js';
import type { ErrorRenderer } from './dialects/shared/plugin.js';
import { errorBody as finevoiceError } from './dialects/finevoice/map.js';
import { errorBody as aicloneError } from './dialects/aiclone/map.js';
import { errorBody as cambError } from './dialects/camb/errors.js';
import { GenqError } from '../core/errors.js';
import { jsonDepthExceeds } from '../core/json-depth.js';

const MAX_BODY_DEPTH = 64;
import { validatorCompiler } from './validation.js';
import { registerTaskRoutes } from './native/task-routes.js';
import { registerEventsRoute } from './native/events-route.js';
import { registerCatalogRoutes } from './native/catalog-routes.js';
import { registerUploadsRoute } from './native/uploads-route.js';
import { registerStreamRoute } from './native/stream-route.js';
import { registerFilesRoute } from './files-route.js';
import { registerOpsRoutes } from './ops-routes.js';
import { registerStatusRoute } from './native/status-route.js';
import { registerWebhookRoutes } from './native/webhook-routes.js';
import { finevoiceDialect } from './dialects/finevoice/routes.js';
import { aicloneDialect } from './dialects/aiclone/routes.js';
import { modelhunterDialect, renderModelhunterError } from './dialects/modelhunter/routes.js';
import { cambDialect } from './dialects/camb/routes.js';
import { registerResponseSchemas } from './native/response-schemas.js';
import { registerWebRoutes } from './web-routes.js';
import { registerRateLimits } from './rate-limit.js';

/**
 * Vendor dialects (docs/dialects.md), each under its own prefix with its own error shape;
 * `urlError` draws the errors of URLs the router cannot even parse under that prefix.
 */
const DIALECTS: Array<{ prefix: string; plugin: (ctx: ApiContext) => FastifyPluginAsync; urlError: ErrorRenderer }> = [
  { prefix: '/finevoice', plugin: finevoiceDialect, urlError: finevoiceError },
  { prefix: '/aiclone', plugin: aicloneDialect, urlError: aicloneError },
  { prefix: '/modelhunter', plugin: modelhunterDialect, urlError: renderModelhunterError },
  // FastAPI names where a validation error is: here, the path
  { prefix: '/camb', plugin: cambDialect, urlError: (e) => cambError({ ...e, details: { in: 'path' } }) },
];

export async function buildServer(ctx: ApiContext, logger: FastifyBaseLogger): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // our onResponse hook writes the single line per request
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: ctx.config.bodyLimitBytes,
    trustProxy: false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // URLs the router cannot even parse (bad %-encoding, an over-long path segment) get the
    // same error shape and request log line as everything else, without echoing the URL back
    frameworkErrors: (err, req, reply) => {
      const tooLong = err.code === 'FST_ERR_MAX_PARAM_LENGTH';
      const c: ClassifiedError = {
        status: tooLong ? 414 : 400, code: tooLong ? 'URI_TOO_LONG' : 'INVALID_REQUEST', type: 'invalid_request',
        message: tooLong ? 'A path segment of the URL is too long' : 'The URL is not valid: check its %-encoding',
      };
      const render = DIALECTS.find((d) => (req.raw.url ?? '').startsWith(`${d.prefix}/`))?.urlError;
      const { status, body } = render ? render(c, req as unknown as FastifyRequest) : { status: c.status, body: nativeErrorBody(c) };
      (reply as unknown as FastifyReply).code(status).send(body);
      // these replies skip the onResponse hook: write the request's one line here
      ctx.metrics.observeRequest(req.method, 'unmatched', status, 0);
      req.log.info({ method: req.method, url: (req.raw.url ?? '').split('?')[0]!.slice(0, 200), route: 'unmatched', status, ms: 0 }, 'request');
    },
  });
  // JSON only: without this, Fastify's built-in text/plain parser turns a mislabelled body
  // into a string and the client gets a confusing 400 instead of 415
  app.removeContentTypeParser('text/plain');
  // Fastify's own JSON parser (with its __proto__ / constructor poisoning checks), plus a depth
  // limit: JSON.parse takes any nesting, but every later JSON.stringify (size checks, error
  // messages, the store) recurses, so 20,000 nested brackets in a 40 KB body would be a 500
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    parseJson(req, body as string, (err, value) => {
      if (err) return done(err, undefined);
      if (jsonDepthExceeds(value, MAX_BODY_DEPTH)) {
        return done(new GenqError('INVALID_JSON', `The JSON body nests more than ${MAX_BODY_DEPTH} levels deep`, { status: 400, type: 'invalid_request' }), undefined);
      }
      done(null, value);
    });
  });
  app.decorateRequest('principal', null);
  app.setValidatorCompiler(validatorCompiler);

  // one line per request, written once: when the response finishes, or when the client hangs
  // up first (a long-poll or SSE stream it gave up on), which Fastify's onResponse never sees
  const logged = new WeakSet<object>();
  const logRequest = (req: FastifyRequest, status: number, ms: number | null) => {
    if (logged.has(req)) return;
    logged.add(req);
    const route = req.routeOptions.url ?? 'unmatched';
    if (ms !== null) ctx.metrics.observeRequest(req.method, route, status, ms / 1000);
    req.log.info(
      { method: req.method, url: req.url.split('?')[0], route, status, ms: ms === null ? null : Math.round(ms * 100) / 100, account_id: req.principal?.account.id },
      'request',
    );
  };
  app.addHook('onResponse', (req, reply, done) => {
    logRequest(req, reply.statusCode, reply.elapsedTime);
    done();
  });
  // 499: the client closed the connection before the response was complete (nginx's convention)
  app.addHook('onRequestAbort', (req, done) => {
    logRequest(req, 499, null);
    done();
  });

  app.setErrorHandler((err, req, reply) => {
    const c = classify(err);
    if (c.status >= 500) req.log.error({ err }, 'unhandled error');
    reply.headers(errorHeaders(c));
    // a route may have set its own content-type and -length (files) before it failed
    reply.removeHeader('content-length').type('application/json; charset=utf-8');
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
    // components are named after each schema's $id (Task, TaskList, Error, …)
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  registerResponseSchemas(app);
  // before every route: its onRequest hook must reach the native API and each dialect
  await registerRateLimits(app, ctx);

  registerTaskRoutes(app, ctx);
  registerEventsRoute(app, ctx);
  registerCatalogRoutes(app, ctx);
  registerUploadsRoute(app, ctx);
  registerStreamRoute(app, ctx);
  registerFilesRoute(app, ctx);
  registerOpsRoutes(app, ctx);
  registerStatusRoute(app, ctx);
  registerWebhookRoutes(app, ctx);
  for (const d of DIALECTS) await app.register(d.plugin(ctx), { prefix: d.prefix });
  registerWebRoutes(app, ctx);
  return app;
}
