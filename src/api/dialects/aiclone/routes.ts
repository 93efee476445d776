/**
 * aiclonevoicefree v2 at /aiclone (https://api.aiclonevoicefree.com): voice clone, image and
 * video generation, and the unified task status. Bearer auth. Only mapping lives here.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ApiContext } from '../../context.js';
import { authenticate } from '../../auth.js';
import type { CreateTaskRequest } from '../../../core/task-service.js';
import { createTask } from '../shared/create.js';
import { dialectPlugin } from '../shared/plugin.js';
import { answerTask, readTask, renderContext } from '../shared/read-task.js';
import { RenderedTaskCache } from '../../rendered-cache.js';
import { cloneRequest, errorBody, imageRequest, toCreated, toTask, videoRequest } from './map.js';

const s = (type: string | string[]) => ({ type });
const TaskSchema = {
  type: 'object',
  properties: {
    task_id: s('string'), status: s('string'), capability: s('string'), action: s('string'), model: s('string'),
    progress: s(['number', 'null']), credits_used: s(['number', 'null']), created_at: s('integer'), completed_at: s(['integer', 'null']),
    error: { type: ['object', 'null'], properties: { code: s('string'), message: s('string'), type: s('string') } },
    metadata: { type: ['object', 'null'], additionalProperties: true },
    _type: s('string'), format: s(['string', 'null']), audioUrl: s(['string', 'null']), imageUrl: s(['string', 'null']),
    videoUrl: s(['string', 'null']), width: s(['integer', 'null']), height: s(['integer', 'null']),
    durationSeconds: s(['number', 'null']), voice_id: s('string'), degraded: s('boolean'), providerUsed: s(['string', 'null']),
  },
};
type IdParams = { Params: { task_id: string } };

export function aicloneDialect(ctx: ApiContext): FastifyPluginAsync {
  const rendered = new RenderedTaskCache(4 * 1024 * 1024);
  return dialectPlugin(errorBody, (app) => {
    const creates: Array<[string, (body: unknown) => CreateTaskRequest]> = [
      ['/api/v2/voice/clone', cloneRequest],
      ['/api/v2/image/generate', imageRequest],
      ['/api/v2/video/generate', videoRequest],
    ];
    for (const [path, toRequest] of creates) {
      app.post(path, async (req, reply) => {
        const { task } = await createTask(ctx, req, toRequest(req.body), 'aiclone');
        reply.code(202);
        return toCreated(task);
      });
    }

    app.get<IdParams>('/api/v2/tasks/:task_id', { schema: { response: { 200: TaskSchema } } }, async (req, reply) => {
      const task = await readTask(ctx, req, reply, req.params.task_id);
      const rc = renderContext(ctx, req);
      return answerTask(reply, rendered, 'task', task, rc, () => toTask(task, rc));
    });

    // not documented by the vendor (it lists a `cancelled` status only); the obvious shape
    app.post<IdParams>('/api/v2/tasks/:task_id/cancel', { schema: { response: { 200: TaskSchema } } }, async (req) => {
      const { account } = await authenticate(ctx.accounts, req);
      return toTask(await ctx.tasks.cancel(account.id, req.params.task_id), renderContext(ctx, req));
    });
  });
}
