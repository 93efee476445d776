/**
 * CAMB.AI text-to-speech: POST /tts → task_id, GET /tts/{task_id} → {status, run_id},
 * GET /tts-result/{run_id} (FLAC bytes or {output_url}), POST /tts-results, POST /tts-stream.
 */
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../../context.js';
import { authenticate } from '../../auth.js';
import { GenqError } from '../../../core/errors.js';
import { isTerminal, type Task } from '../../../core/task.js';
import { MAX_WAIT_S } from '../../native/prefer.js';
import { renderFile } from '../../native/render.js';
import { createTask, settle } from '../shared/create.js';
import { int } from '../shared/fields.js';
import { readTask, renderContext } from '../shared/read-task.js';
import type { AliasTable } from '../shared/voices.js';
import { audioFileOf, sendAudio } from './audio.js';
import { outputType, runIdsOf, streamRequest, toStatus, ttsRequest } from './map.js';
import { StatusSchema, TaskIdSchema, taskForRun } from './shared.js';

const STATUS_OF_CODE: Record<string, number> = { INVALID_INPUT: 422, PAYMENT_REQUIRED: 402, TIMEOUT: 504, CANCELLED: 409, EXPIRED: 503 };

/** A /tts-stream task that did not succeed, as the error the synchronous endpoint answers with. */
function streamFailure(t: Task): GenqError {
  if (!isTerminal(t.status)) return new GenqError('TIMEOUT', `Synthesis took longer than ${MAX_WAIT_S} s; use POST /tts and poll instead`, { status: 504, type: 'timeout' });
  const e = t.error ?? { code: 'PROVIDER_ERROR', message: `The task ended ${t.status}`, type: 'provider' };
  return new GenqError(e.code, e.message, { status: STATUS_OF_CODE[e.code] ?? 502, type: 'provider' });
}

export function registerTtsRoutes(app: FastifyInstance, ctx: ApiContext, voices: AliasTable): void {
  app.post('/tts', { schema: { response: { 200: TaskIdSchema } } }, async (req) => {
    const { task } = await createTask(ctx, req, ttsRequest(req.body, voices), 'camb', 'fail-task');
    return { task_id: task.id };
  });

  app.get<{ Params: { task_id: string } }>('/tts/:task_id', { schema: { response: { 200: StatusSchema } } }, async (req, reply) =>
    toStatus(await readTask(ctx, req, reply, req.params.task_id)));

  app.get<{ Params: { run_id: string }; Querystring: { output_type?: string } }>('/tts-result/:run_id', async (req, reply) => {
    const { account } = await authenticate(ctx.accounts, req);
    const runId = int(req.params, 'run_id', { required: true, where: 'path' });
    const want = outputType(req.query.output_type);
    const file = audioFileOf(await taskForRun(ctx, account.id, runId, 'audio'));
    if (want === 'file_url') return { output_url: renderFile(file, renderContext(ctx, req)).url };
    return sendAudio(ctx, reply, file, 'flac');
  });

  app.post('/tts-results', async (req) => {
    const { account } = await authenticate(ctx.accounts, req);
    const rc = renderContext(ctx, req);
    const out: Record<string, { output_url: string | null }> = {};
    for (const runId of runIdsOf(req.body)) {
      // one unknown or unfinished run must not hide the others: it gets a null URL
      const task = await taskForRun(ctx, account.id, runId, 'audio').catch(() => null);
      const file = task?.result?.files.find((f) => f.content_type.startsWith('audio/'));
      out[String(runId)] = { output_url: file ? renderFile(file, rc).url : null };
    }
    return out;
  });

  app.post('/tts-stream', async (req, reply) => {
    const { request, format } = streamRequest(req.body, voices);
    // the stream never hands out a task id, so an unaffordable one is refused (402), not stored
    const { task } = await createTask(ctx, req, request, 'camb');
    const done = await settle(ctx, req, task, MAX_WAIT_S * 1000);
    if (done.status !== 'succeeded') {
      // nobody will collect a stream the client has given up on
      if (!isTerminal(done.status)) await ctx.tasks.cancel(task.account_id, task.id, 'tts-stream gave up waiting').catch(() => undefined);
      throw streamFailure(done);
    }
    reply.header('x-credits-required', String(done.credits_reserved));
    return sendAudio(ctx, reply, audioFileOf(done), format);
  });
}
