/**
 * Every dialect is an encapsulated Fastify plugin mounted under its vendor prefix, so its own
 * error and not-found handlers answer in the vendor's error shape while the native API keeps
 * its own. `classify` (api/errors.ts) decides status and code; the dialect only draws the body.
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { classify, errorHeaders, type ClassifiedError } from '../../errors.js';

export interface RenderedError {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** Draws a classified error in the vendor's shape; may change the status where the vendor documents another. */
export type ErrorRenderer = (e: ClassifiedError, req: FastifyRequest) => RenderedError;

function send(reply: FastifyReply, r: RenderedError, headers: Record<string, string>): void {
  // a route may have set its own content-type and -length (a file, a stream) before it failed
  reply.removeHeader('content-length').type('application/json; charset=utf-8');
  for (const [k, v] of Object.entries({ ...headers, ...r.headers })) reply.header(k, v);
  reply.code(r.status).send(r.body);
}

export function dialectPlugin(renderError: ErrorRenderer, routes: (app: FastifyInstance) => void): FastifyPluginAsync {
  return async (app) => {
    // the OpenAPI document describes the native API; vendor paths are documented in docs/dialects.md
    app.addHook('onRoute', (route) => {
      route.schema = { ...(route.schema ?? {}), hide: true } as typeof route.schema;
    });
    app.setErrorHandler((err, req, reply) => {
      const c = classify(err);
      if (c.status >= 500) req.log.error({ err }, 'unhandled error');
      send(reply, renderError(c, req), errorHeaders(c));
    });
    app.setNotFoundHandler((req, reply) => {
      const c: ClassifiedError = { status: 404, code: 'NOT_FOUND', type: 'not_found', message: `No route ${req.method} ${req.url.split('?')[0]}` };
      send(reply, renderError(c, req), {});
    });
    routes(app);
  };
}
