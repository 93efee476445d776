/**
 * POST /v1/tts/stream: the body of a voice/tts task (`{ model?, input }`), answered with
 * chunked audio as it is synthesized: the first sentence is spoken alone, so the first
 * bytes arrive after one short synthesis instead of the whole text. Input is validated
 * exactly as for a task (same core `prepare`), so a bad request is a JSON 4xx before any
 * audio. No task is stored: the answer is the audio itself.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { ApiContext } from '../context.js';
import { authenticate } from '../auth.js';
import { unknownModel } from '../../core/errors.js';

const StreamBody = Type.Object({
  model: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  input: Type.Record(Type.String(), Type.Unknown()),
}, { additionalProperties: false });
type StreamBody = Static<typeof StreamBody>;

export function registerStreamRoute(app: FastifyInstance, ctx: ApiContext): void {
  app.post<{ Body: StreamBody }>('/v1/tts/stream', {
    schema: { body: StreamBody, tags: ['tasks'], summary: 'Speak text as a chunked audio stream (same input as voice/tts)' },
  }, async (req, reply) => {
    const { account } = await authenticate(ctx.accounts, req);
    const request = { capability: 'voice', action: 'tts', input: req.body.input, ...(req.body.model ? { model: req.body.model } : {}) };
    const prepared = await ctx.tasks.checkForAccount(account.id, ctx.tasks.prepare(account.id, request, 'native'));
    const { provider, model } = ctx.registry.resolve('voice', 'tts', prepared.model);
    if (!provider.stream) throw unknownModel(`Model "${model.id}" cannot stream; use it through POST /v1/tasks`);
    const abort = new AbortController();
    // the response closes when it is finished or the client went away: stop synthesizing either way
    reply.raw.once('close', () => abort.abort());
    const started = performance.now();
    const audio = await provider.stream(model, prepared.input, {
      signal: abort.signal,
      log: req.log,
      account: { getVoice: (id) => ctx.store.getVoice(id, account.id) },
    });
    reply
      .header('content-type', audio.content_type)
      .header('cache-control', 'no-store')
      .header('x-genq-model', model.id)
      .header('x-genq-first-chunk-ms', String(Math.round(performance.now() - started)));
    return reply.send(Readable.from(audio.chunks, { objectMode: false }));
  });
}
