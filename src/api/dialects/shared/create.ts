/** The create call every dialect shares: authenticate, honour Idempotency-Key, hand the request to the core. */
import type { FastifyRequest } from 'fastify';
import type { ApiContext } from '../../context.js';
import { authenticate } from '../../auth.js';
import { invalidRequest } from '../../../core/errors.js';
import type { CreateTaskRequest, WhenUnaffordable } from '../../../core/task-service.js';
import type { Task } from '../../../core/task.js';

/** 1–255 visible ASCII characters (no spaces: a batch's tasks carry "<key> #<index>") */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export function idempotencyKeyOf(req: FastifyRequest): string | undefined {
  const k = req.headers['idempotency-key'];
  if (k === undefined) return undefined;
  if (typeof k !== 'string' || !IDEMPOTENCY_KEY.test(k)) throw invalidRequest('Idempotency-Key must be 1 to 255 visible ASCII characters, without spaces');
  return k;
}

export async function createTask(
  ctx: ApiContext, req: FastifyRequest, request: CreateTaskRequest, dialect: string, whenUnaffordable: WhenUnaffordable = 'reject',
): Promise<{ task: Task; created: boolean }> {
  const { account } = await authenticate(ctx.accounts, req);
  const key = idempotencyKeyOf(req);
  return ctx.tasks.create(account.id, key ? { ...request, idempotency_key: key } : request, dialect, whenUnaffordable);
}

/** For vendor endpoints that answer synchronously: the task once terminal, or as it stands after `ms`. */
export async function settle(ctx: ApiContext, req: FastifyRequest, task: Task, ms: number): Promise<Task> {
  const aborted = new AbortController();
  req.raw.once('close', () => aborted.abort());
  return ctx.tasks.waitForTerminal(task.account_id, task.id, ms, aborted.signal);
}
