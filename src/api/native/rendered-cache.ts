/**
 * Finished tasks as GET /v1/tasks/{id} answers them, serialised. A finished task never changes
 * and its file URLs expire on a grid (render.ts fileUrlExpiry), so for one base URL and one
 * step of that grid its answer is one string: repeat polls skip rendering, URL signing and
 * serialising. The route looks here only after the task service has let the caller read the
 * task, so the cache holds nothing a caller could not already see.
 */
import type { Task } from '../../core/task.js';
import { isTerminal } from '../../core/task.js';
import { BoundedMap } from '../../core/bounded-map.js';
import { fileUrlExpiry, renderTask, type RenderContext } from './render.js';

export class RenderedTaskCache {
  private readonly entries: BoundedMap<string, string>;

  constructor(max = 10_000) {
    this.entries = new BoundedMap(max);
  }

  /** The JSON of `task`; a finished one is rendered once per base URL and expiry step. */
  json(task: Task, rc: RenderContext, extra: Record<string, unknown> = {}): string {
    if (!isTerminal(task.status)) return JSON.stringify(renderTask(task, rc, extra));
    const key = `${task.id}\n${rc.baseUrl}\n${fileUrlExpiry(rc.nowMs, rc.fileUrlTtlS)}`;
    let json = this.entries.get(key);
    if (json === undefined) {
      json = JSON.stringify(renderTask(task, rc, extra));
      this.entries.set(key, json);
    }
    return json;
  }
}
