/**
 * Waiting for a task from the CLI: a progress bar on a terminal (status, percent, elapsed),
 * one line per status change when stderr is not a terminal, nothing with --json. Ctrl-C
 * stops waiting, not the task, and says how to pick it up again.
 */
import cliProgress from 'cli-progress';
import { GenqTimeoutError, type Genq, type Task } from '../sdk/index.js';
import { usageError } from './output.js';

export interface WaitCliOptions {
  json: boolean;
  /** seconds; undefined waits as long as it takes */
  timeoutS?: number;
}

export function parseTimeout(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw usageError(`--timeout must be a number of seconds > 0, got "${raw}"`);
  return n;
}

export async function waitWithProgress(genq: Genq, id: string, opts: WaitCliOptions): Promise<Task> {
  const tty = !opts.json && process.stderr.isTTY === true;
  const bar = tty
    ? new cliProgress.SingleBar(
        { format: ' {bar} {percentage}% | {status} | {duration_formatted}', hideCursor: true, clearOnComplete: false, stream: process.stderr },
        cliProgress.Presets.shades_classic,
      )
    : null;
  bar?.start(100, 0, { status: 'queued' });
  let lastStatus = '';
  const stop = new AbortController();
  const onSigint = () => stop.abort();
  process.once('SIGINT', onSigint);
  try {
    return await genq.tasks.wait(id, {
      signal: stop.signal,
      ...(opts.timeoutS ? { timeout: opts.timeoutS * 1000 } : {}),
      onProgress: (t) => {
        const pct = t.status === 'succeeded' ? 100 : Math.round((t.progress ?? 0) * 100);
        bar?.update(pct, { status: t.status });
        if (!tty && !opts.json && t.status !== lastStatus) process.stderr.write(`${t.status}${t.progress ? ` ${pct}%` : ''}\n`);
        lastStatus = t.status;
      },
    });
  } catch (e) {
    if (stop.signal.aborted) {
      bar?.stop();
      process.stderr.write(`\nStopped waiting. Task ${id} keeps running on the server; pick it up with: genq tasks wait ${id}\n`);
      process.exit(130);
    }
    if (e instanceof GenqTimeoutError) throw usageError(`${e.message}: genq tasks wait ${id}  (or genq tasks cancel ${id})`);
    throw e;
  } finally {
    process.removeListener('SIGINT', onSigint);
    bar?.stop();
  }
}
