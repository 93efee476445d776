/** Signed, expiring file downloads with single-range support (audio players seek with Range). */
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from './context.js';
import { GenqError, notFound } from '../core/errors.js';
import { SAFE_KEY } from '../storage/local-storage.js';

const TYPES: Record<string, string> = {
  wav: 'audio/wav', mp3: 'audio/mpeg', ogg: 'audio/ogg', flac: 'audio/flac', txt: 'text/plain; charset=utf-8',
  png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp', mp4: 'video/mp4', json: 'application/json',
};

/** Parses one `bytes=` range against a size; null = serve whole, 'bad' = unsatisfiable. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | null | 'bad' {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return null; // multi-range or junk: RFC 9110 lets us ignore it and send the whole file
  const [, a, b] = m as unknown as [string, string, string];
  if (a === '' && b === '') return 'bad';
  let start: number;
  let end: number;
  if (a === '') {
    const suffix = Number(b);
    if (suffix === 0) return 'bad';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  }
  if (start >= size || start > end) return 'bad';
  return { start, end };
}

export function registerFilesRoute(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Params: { '*': string }; Querystring: { expires?: string; sig?: string } }>(
    '/files/*',
    { schema: { hide: true } as object },
    async (req, reply) => {
      const key = req.params['*'];
      // one spelling per instant (no "1.0", "0x…", " 1"), and no "." or ".." segment: storage refuses those with a plain Error
      const expires = typeof req.query.expires === 'string' && /^\d{1,12}$/.test(req.query.expires) ? Number(req.query.expires) : NaN;
      const safe = SAFE_KEY.test(key) && !key.split('/').some((p) => p === '.' || p === '..');
      const verdict = safe ? ctx.signer.verify(key, expires, req.query.sig ?? '', Math.floor(Date.now() / 1000)) : 'bad';
      if (verdict === 'expired') {
        throw new GenqError('URL_EXPIRED', 'This download link has expired; fetch the task again for a fresh link', { status: 410, type: 'not_found' });
      }
      if (verdict === 'bad') throw new GenqError('INVALID_SIGNATURE', 'This download link is not valid', { status: 403, type: 'authentication' });
      const size = await ctx.storage.size(key);
      if (size === null) throw notFound('File');
      const ext = key.slice(key.lastIndexOf('.') + 1).toLowerCase();
      reply.header('content-type', TYPES[ext] ?? 'application/octet-stream');
      reply.header('accept-ranges', 'bytes');
      reply.header('cache-control', 'private, max-age=60');
      const range = parseRange(req.headers.range, size);
      if (range === 'bad') {
        reply.code(416).header('content-range', `bytes */${size}`);
        return '';
      }
      if (range) {
        reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${size}`).header('content-length', range.end - range.start + 1);
        return reply.send(await ctx.storage.read(key, range));
      }
      reply.header('content-length', size);
      return reply.send(await ctx.storage.read(key));
    },
  );
}
