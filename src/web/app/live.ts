/**
 * Live task updates over Server-Sent Events. A browser opens at most six connections to one
 * server over HTTP/1.1, so at most MAX_STREAMS tasks are followed at once; the views poll
 * for the rest.
 */
import type { Genq, Task } from '../../sdk/index.js';

const MAX_STREAMS = 3;
let open = 0;

/** Follows a task until it finishes or `signal` aborts; false when no stream slot was free. */
export function follow(genq: Genq, id: string, signal: AbortSignal, onTask: (t: Task) => void, force = false): boolean {
  if (!force && open >= MAX_STREAMS) return false;
  open++;
  void (async () => {
    try {
      for await (const e of genq.tasks.events(id, { signal })) onTask(e.task);
    } catch {
      // aborted, or the stream gave up: a later refresh shows the state
    } finally {
      open--;
    }
  })();
  return true;
}

export const streamsOpen = () => open;
