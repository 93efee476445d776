import type { Command } from 'commander';
import type { Task, TaskCreateParams } from '../../sdk/index.js';
import { clientFrom, clientOptions } from '../client.js';
import { printTable, usageError } from '../output.js';
import { parseTimeout, waitWithProgress } from '../progress.js';

export { clientFrom, clientOptions } from '../client.js';

const summary = (t: Task) => ({
  id: t.id, status: t.status, progress: t.progress === null ? '-' : `${Math.round(t.progress * 100)}%`,
  model: t.model, created: t.created_at, error: t.error?.code ?? '',
});

function show(t: Task, json: boolean): void {
  if (json) return console.log(JSON.stringify(t));
  printTable([summary(t)]);
  for (const f of t.result?.files ?? []) console.log(`file: ${f.url}`);
  if (t.error) console.log(`error: ${t.error.code}: ${t.error.message}`);
}

function jsonOption(name: string, raw: string | undefined): Record<string, unknown> | undefined {
  if (raw === undefined) return undefined;
  try {
    const v = JSON.parse(raw) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw usageError(`${name} must be a JSON object, e.g. ${name} '{"text":"Hello"}'`);
}

export function registerTasks(program: Command): void {
  const tasks = program.command('tasks').description('create, inspect and control tasks on a running server');

  clientOptions(tasks.command('create').description('create a task (any capability); prints it, or waits with --wait'))
    .requiredOption('--capability <name>', 'voice, image, video or music')
    .requiredOption('--action <name>', 'tts, design, clone, convert or generate')
    .requiredOption('--input <json>', 'the model input as a JSON object')
    .option('--model <id>', 'model id (see genq models)')
    .option('--metadata <json>', 'your own key/values, echoed back')
    .option('--idempotency-key <key>', 'repeat-safe create: the same key returns the same task')
    .option('--wait', 'wait for it to finish, with a progress bar')
    .option('--timeout <s>', 'with --wait: stop waiting after this many seconds (the task keeps running)')
    .action(async (opts) => {
      const timeoutS = parseTimeout(opts.timeout);
      const params: TaskCreateParams = { capability: opts.capability, action: opts.action, input: jsonOption('--input', opts.input)! };
      if (opts.model) params.model = opts.model;
      const metadata = jsonOption('--metadata', opts.metadata);
      if (metadata) params.metadata = metadata;
      const genq = clientFrom(opts);
      const created = await genq.tasks.create(params, opts.idempotencyKey ? { idempotencyKey: opts.idempotencyKey } : {});
      if (!opts.wait) return show(created, opts.json);
      if (!opts.json) process.stderr.write(`task ${created.id}\n`);
      const t = await waitWithProgress(genq, created.id, { json: opts.json, timeoutS });
      show(t, opts.json);
      if (t.status !== 'succeeded') process.exitCode = 1;
    });

  clientOptions(tasks.command('get').argument('<id>').description('show a task')).action(async (id, opts) => {
    show(await clientFrom(opts).tasks.get(id), opts.json);
  });

  clientOptions(tasks.command('list').description('list tasks, newest first'))
    .option('--status <list>', 'comma-separated statuses')
    .option('--capability <name>')
    .option('--limit <n>', 'page size (≤ 100)', '20')
    .option('--cursor <cursor>', 'next_cursor from the previous page')
    .action(async (opts) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw usageError(`--limit must be a whole number from 1 to 100, got "${opts.limit}"`);
      const page = await clientFrom(opts).tasks.page({
        limit, ...(opts.status ? { status: opts.status } : {}), ...(opts.capability ? { capability: opts.capability } : {}), ...(opts.cursor ? { cursor: opts.cursor } : {}),
      });
      if (opts.json) return console.log(JSON.stringify(page));
      printTable(page.data.map(summary));
      if (page.next_cursor) console.log(`\nmore: --cursor ${page.next_cursor}`);
    });

  clientOptions(tasks.command('wait').argument('<id>').description('wait for a task to finish, showing progress'))
    .option('--timeout <s>', 'stop waiting after this many seconds (the task keeps running)')
    .action(async (id, opts) => {
      const t = await waitWithProgress(clientFrom(opts), id, { json: opts.json, timeoutS: parseTimeout(opts.timeout) });
      show(t, opts.json);
      if (t.status !== 'succeeded') process.exitCode = 1;
    });

  clientOptions(tasks.command('cancel').argument('<id>').description('cancel a task')).action(async (id, opts) => {
    show(await clientFrom(opts).tasks.cancel(id), opts.json);
  });
}
