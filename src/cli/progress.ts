/** Progress bar for long CLI operations, driven by a task's SSE stream. Quiet when stderr is not a TTY or with --json. */
import cliProgress from 'cli-progress';
import type { CliClient } from './http-client.js';

export async function followWithProgress(client: CliClient, id: string, show: boolean): Promise<any> {
  const bar = show
    ? new cliProgress.SingleBar(
        { format: ' {bar} {percentage}% | {status}', hideCursor: true, clearOnComplete: false, stream: process.stderr },
        cliProgress.Presets.shades_classic,
      )
    : null;
  bar?.start(100, 0, { status: 'queued' });
  let last: any = null;
  try {
    await client.follow(id, (e) => {
      last = e.task;
      bar?.update(Math.round((e.task.progress ?? 0) * 100), { status: e.task.status });
    });
  } finally {
    bar?.stop();
  }
  return last ?? (await client.request('GET', `/v1/tasks/${id}`));
}
