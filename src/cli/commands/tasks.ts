import type { Command } from 'commander';
import { loadClientConfig } from '../../config.js';
import { CliClient } from '../http-client.js';
import { printTable } from '../output.js';
import { followWithProgress } from '../progress.js';

export const clientOptions = (c: Command) =>
  c
    .option('--url <url>', 'genq server (GENQ_URL, default http://127.0.0.1:8080)')
    .option('--api-key <key>', 'API key (GENQ_API_KEY)')
    .option('--json', 'print JSON');

export const clientFrom = (opts: { url?: string; apiKey?: string }) => new CliClient(loadClientConfig(opts, process.env));

const summary = (t: any) => ({
  id: t.id, status: t.status, progress: t.progress === null ? '-' : `${Math.round(t.progress * 100)}%`,
  model: t.model, created: t.created_at, error: t.error?.code ?? '',
});

function show(t: any, json: boolean): void {
  if (json) return console.log(JSON.stringify(t));
  printTable([summary(t)]);
  for (const f of t.result?.files ?? []) console.log(`file: ${f.url}`);
  if (t.error) console.log(`error: ${t.error.code}: ${t.error.message}`);
}

export function registerTasks(program: Command): void {
  const tasks = program.command('tasks').description('inspect and control tasks on a running server');

  clientOptions(tasks.command('get').argument('<id>').description('show a task')).action(async (id, opts) => {
    show(await clientFrom(opts).request('GET', `/v1/tasks/${encodeURIComponent(id)}`), opts.json);
  });

  clientOptions(tasks.command('list').description('list tasks, newest first'))
    .option('--status <list>', 'comma-separated statuses')
    .option('--capability <name>')
    .option('--limit <n>', 'page size (≤ 100)', '20')
    .option('--cursor <cursor>', 'next_cursor from the previous page')
    .action(async (opts) => {
      const q = new URLSearchParams({ limit: opts.limit });
      if (opts.status) q.set('status', opts.status);
      if (opts.capability) q.set('capability', opts.capability);
      if (opts.cursor) q.set('cursor', opts.cursor);
      const page = await clientFrom(opts).request('GET', `/v1/tasks?${q}`);
      if (opts.json) return console.log(JSON.stringify(page));
      printTable(page.data.map(summary));
      if (page.next_cursor) console.log(`\nmore: --cursor ${page.next_cursor}`);
    });

  clientOptions(tasks.command('wait').argument('<id>').description('wait for a task to finish, showing progress')).action(async (id, opts) => {
    const t = await followWithProgress(clientFrom(opts), encodeURIComponent(id), !opts.json && process.stderr.isTTY === true);
    show(t, opts.json);
    if (t.status !== 'succeeded') process.exitCode = 1;
  });

  clientOptions(tasks.command('cancel').argument('<id>').description('cancel a task')).action(async (id, opts) => {
    show(await clientFrom(opts).request('POST', `/v1/tasks/${encodeURIComponent(id)}/cancel`), opts.json);
  });
}
