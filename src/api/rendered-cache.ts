/**
 * Finished tasks' answers to status reads, serialised. A finished task never changes and its
 * file URLs expire on a grid (native/render.ts fileUrlExpiry), so for one view (a route's
 * shape), one base URL and one step of that grid its answer is one string: repeat polls skip
 * rendering, URL signing and serialising. Routes look here only after the task service has
 * let the caller read the task, so the cache holds nothing a caller could not already see.
 */
import type { Task } from '../core/task.js';
import { isTerminal } from '../core/task.js';
import { BoundedMap } from '../core/bounded-map.js';
import { fileUrlExpiry, type RenderContext } from './native/render.js';

export class RenderedTaskCache {
  private readonly entries: BoundedMap<string, string>;

  constructor(max = 10_000) {
    this.entries = new BoundedMap(max);
  }

  /** `draw` renders and serialises `task`; a finished one is drawn once per view, base URL and expiry step. */
  text(task: Task, rc: RenderContext, draw: () => string, view = ''): string {
    if (!isTerminal(task.status)) return draw();
    const key = `${view}\n${task.id}\n${rc.baseUrl}\n${fileUrlExpiry(rc.nowMs, rc.fileUrlTtlS)}`;
    let text = this.entries.get(key);
    if (text === undefined) {
      text = draw();
      this.entries.set(key, text);
    }
    return text;
  }
}
