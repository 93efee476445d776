/**
 * POST /v1/uploads: reference audio for voice clone and convert, sent as the raw request
 * body (`content-type: audio/wav`, `audio/mpeg`, `audio/ogg` or `application/octet-stream`),
 * at most GENQ_UPLOAD_LIMIT_BYTES (20 MiB by default). Raw bodies rather than multipart: one
 * file per request is all a task needs, curl sends it with `--data-binary @file`, and no
 * multipart parser is needed. The bytes must be WAV, MP3 or Ogg; whether they hold speech is
 * judged when a task uses them.
 */
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { authenticate } from '../auth.js';
import { GenqError } from '../../core/errors.js';
import { CONTENT_TYPES, sniffFormat } from '../../providers/audio/formats.js';
import { newUploadId, uploadKey } from '../../storage/upload-keys.js';

const unsupported = (message: string) => new GenqError('UNSUPPORTED_MEDIA_TYPE', message, { status: 415, type: 'invalid_request' });

export function registerUploadsRoute(app: FastifyInstance, ctx: ApiContext): void {
  // raw-body parsers only inside this scope: every other route stays JSON-only
  void app.register(async (scope) => {
    const raw = (_req: unknown, body: Buffer, done: (err: Error | null, body?: Buffer) => void) => done(null, body);
    const bodyLimit = ctx.config.limits.uploadLimitBytes;
    scope.addContentTypeParser(/^audio\/[a-z0-9.+-]+$/i, { parseAs: 'buffer', bodyLimit }, raw);
    scope.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit }, raw);
    scope.addContentTypeParser('multipart/form-data', (_req, _payload, done) =>
      done(unsupported('Send the file as the raw request body (e.g. curl --data-binary @voice.wav -H "content-type: audio/wav"), not as multipart form data')));

    scope.post('/v1/uploads', {
      bodyLimit,
      schema: { tags: ['voices'], summary: 'Upload reference audio (raw body, WAV/MP3/Ogg, at most GENQ_UPLOAD_LIMIT_BYTES, default 20 MiB) for voice clone and convert' },
    }, async (req, reply) => {
      const { account } = await authenticate(ctx.accounts, req);
      const body = req.body;
      if (!Buffer.isBuffer(body) || body.length === 0) {
        throw unsupported('Send the audio file as the raw request body with content-type audio/wav, audio/mpeg, audio/ogg or application/octet-stream');
      }
      const format = sniffFormat(body);
      if (!format) throw unsupported('The body is not WAV, MP3 or Ogg audio');
      const id = newUploadId();
      await ctx.storage.put(uploadKey(account.id, id), body, CONTENT_TYPES[format]);
      reply.code(201);
      return { id, object: 'upload', format, content_type: CONTENT_TYPES[format], size_bytes: body.length, created_at: new Date().toISOString() };
    });
  });
}
