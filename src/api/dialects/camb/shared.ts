/** What the CAMB.AI text-to-speech and text-to-voice routes share: response schemas and run lookup. */
import type { ApiContext } from '../../context.js';
import { GenqError, isGenqError } from '../../../core/errors.js';
import type { Task } from '../../../core/task.js';
import { cambStatus } from './map.js';

export const TaskIdSchema = { type: 'object', properties: { task_id: { type: 'string' } } };
export const StatusSchema = {
  type: 'object',
  properties: {
    status: { type: 'string' }, run_id: { type: ['integer', 'null'] },
    exception_reason: { type: 'string' }, message: { type: 'string' },
  },
};

/**
 * The finished task behind a run id. The vendor answers 400 when a run id is unknown or belongs
 * to another kind of process, so genq does the same (and never says whose run it is).
 */
export async function taskForRun(ctx: ApiContext, accountId: string, runId: number, kind: 'audio' | 'design'): Promise<Task> {
  const bad = (message: string) => new GenqError('INVALID_RUN_ID', message, { status: 400, type: 'invalid_request' });
  const task = await ctx.tasks.getByRunId(accountId, runId).catch((e) => {
    throw isGenqError(e) && e.code === 'TASK_NOT_FOUND' ? bad(`No run ${runId} exists for this API key`) : e;
  });
  if (kind === 'design' && !(task.capability === 'voice' && task.action === 'design')) throw bad(`Run ${runId} is not a text-to-voice run`);
  if (task.status !== 'succeeded') throw bad(`Run ${runId} has no result: its status is ${cambStatus(task)}`);
  return task;
}
