/**
 * Serves the dashboard (`/`) and the API reference (`/docs`) that `npm run build` bundles into
 * dist/web. Everything is read and gzipped once at start-up; assets have content-hashed names,
 * so they are cached for a year and the two HTML pages are revalidated on every visit.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiContext } from './context.js';
import { nativeErrorBody } from './errors.js';

const WEB_DIR = fileURLToPath(new URL('../web/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.map': 'application/json', '.json': 'application/json',
};

interface Asset {
  body: Buffer;
  gzip: Buffer | null;
  type: string;
  immutable: boolean;
}

function load(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  if (!fs.existsSync(dir)) return assets;
  const walk = (sub: string) => {
    for (const entry of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = path.posix.join(sub, entry.name);
      if (entry.isDirectory()) walk(rel);
      else {
        const body = fs.readFileSync(path.join(dir, rel));
        const ext = path.extname(entry.name);
        const compressible = ext !== '.png' && body.length > 1024;
        assets.set(rel, {
          body,
          gzip: compressible ? zlib.gzipSync(body, { level: 9 }) : null,
          type: TYPES[ext] ?? 'application/octet-stream',
          immutable: rel.startsWith('assets/'),
        });
      }
    }
  };
  walk('');
  return assets;
}

export function contentSecurityPolicy(publicUrl: string | null): string {
  // files may be served from GENQ_PUBLIC_URL's origin rather than this one
  const files = publicUrl ? ` ${new URL(publicUrl).origin}` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data: blob:${files}`,
    `media-src 'self' blob:${files}`,
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function registerWebRoutes(app: FastifyInstance, ctx: ApiContext, dir = WEB_DIR): void {
  const assets = load(dir);
  const csp = contentSecurityPolicy(ctx.config.publicUrl ?? null);

  const send = (req: FastifyRequest, reply: FastifyReply, name: string) => {
    const a = assets.get(name);
    if (!a) {
      const built = assets.size > 0;
      return reply.code(404).send(nativeErrorBody({
        status: 404, type: 'not_found', code: built ? 'NOT_FOUND' : 'DASHBOARD_NOT_BUILT',
        message: built ? `No file ${name}` : 'The dashboard is not built: run `npm run build` (dist/web is missing)',
      }));
    }
    reply.header('content-type', a.type).header('x-content-type-options', 'nosniff').header('vary', 'accept-encoding');
    reply.header('cache-control', a.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    if (a.type.startsWith('text/html')) {
      // signed file URLs must not leak to other sites through the Referer header
      reply.header('content-security-policy', csp).header('referrer-policy', 'no-referrer').header('x-frame-options', 'DENY');
    }
    const gz = a.gzip !== null && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    if (gz) reply.header('content-encoding', 'gzip');
    return reply.send(gz ? a.gzip : a.body);
  };

  const hide = { schema: { hide: true } as object };
  app.get('/', hide, (req, reply) => send(req, reply, 'index.html'));
  app.get('/docs', hide, (req, reply) => send(req, reply, 'docs.html'));
  app.get<{ Params: { '*': string } }>('/assets/*', hide, (req, reply) => send(req, reply, `assets/${req.params['*']}`));
}
