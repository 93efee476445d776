/**
 * FineVoice at /finevoice (https://apis.finevoice.ai): speech synthesis, voice conversion and
 * both documented status shapes. Bearer auth. Only mapping lives here; see map.ts.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ApiContext } from '../../context.js';
import { MAX_WAIT_S } from '../../native/prefer.js';
import { createTask, settle } from '../shared/create.js';
import { dialectPlugin } from '../shared/plugin.js';
import { answerTask, readTask, renderContext } from '../shared/read-task.js';
import { RenderedTaskCache } from '../../rendered-cache.js';
import { aliasTable } from '../shared/voices.js';
import { conversionRequest, errorBody, FINEVOICE_VOICE_DEFAULTS, speechRequest, toCreateResponse, toQuickstartResponse, toTaskResponse } from './map.js';

const nullable = (type: string) => ({ type: [type, 'null'] });
const ApiError = { type: ['object', 'null'], properties: { code: { type: 'string' }, message: { type: 'string' } } };
// response schemas let Fastify serialise status polls without a generic JSON.stringify walk
const TaskResponse = {
  type: 'object',
  properties: {
    status: { type: 'integer' }, url: nullable('string'), taskId: { type: 'string' }, error: ApiError,
    urls: { type: 'array', items: { type: 'string' } }, service: { type: 'string' }, port: { type: 'string' },
    timestamp: { type: 'string' }, task_id: { type: 'string' },
  },
};
const QuickstartResponse = {
  type: 'object',
  properties: { task_id: { type: 'string' }, status: { type: 'string' }, url: nullable('string'), error: ApiError },
};
type IdParams = { Params: { task_id: string } };

export function finevoiceDialect(ctx: ApiContext): FastifyPluginAsync {
  const voices = aliasTable(FINEVOICE_VOICE_DEFAULTS, ctx.config.voiceAliases.finevoice);
  const rendered = new RenderedTaskCache(4 * 1024 * 1024);
  return dialectPlugin(errorBody, (app) => {
    app.post('/v1/audio/speech-synthesis', { schema: { response: { 200: TaskResponse } } }, async (req) => {
      const { task } = await createTask(ctx, req, speechRequest(req.body, voices), 'finevoice');
      return toCreateResponse(task, renderContext(ctx, req));
    });

    app.post('/v1/audio/voice-conversion', { schema: { response: { 200: TaskResponse } } }, async (req) => {
      const { request, useAsync } = conversionRequest(req.body, voices);
      const { task } = await createTask(ctx, req, request, 'finevoice');
      // without useAsync FineVoice answers with the result; genq holds up to the long-poll limit
      const shown = useAsync ? task : await settle(ctx, req, task, MAX_WAIT_S * 1000);
      return toCreateResponse(shown, renderContext(ctx, req));
    });

    // not cached: its body carries the time of the answer (`timestamp`)
    app.get<IdParams>('/v1/task/:task_id', { schema: { response: { 200: TaskResponse } } }, async (req, reply) =>
      toTaskResponse(await readTask(ctx, req, reply, req.params.task_id), renderContext(ctx, req)));

    app.get<IdParams>('/v1/tasks/:task_id', { schema: { response: { 200: QuickstartResponse } } }, async (req, reply) => {
      const task = await readTask(ctx, req, reply, req.params.task_id);
      const rc = renderContext(ctx, req);
      return answerTask(reply, rendered, 'quickstart', task, rc, () => toQuickstartResponse(task, rc));
    });
  });
}
