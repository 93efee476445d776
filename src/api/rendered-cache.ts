/**
 * Finished tasks' answers to status reads, serialised. A finished task never changes and its
 * file URLs expire on a grid (native/render.ts fileUrlExpiry), so for one view (a route's
 * shape), one base URL and one step of that grid its answer is one string: repeat polls skip
 * rendering, URL signing and serialising. Routes look here only after the task service has
 * let the caller read the task, so the cache holds nothing a caller could not already see.
 */
import type { Task } from '../core/task.js';
import { isTerminal } from '../core/task.js';
import { fileUrlExpiry, type RenderContext } from './native/render.js';

/** an answer larger than this (a task whose input holds inline audio, say) is drawn every time */
const MAX_ENTRY_CHARS = 64 * 1024;

export class RenderedTaskCache {
  private readonly entries = new Map<string, string>();
  private chars = 0;

  /**
   * Bounded by the characters it holds, not by entries: without GENQ_PUBLIC_URL the base URL
   * comes from the request's Host header, so a caller can ask for one task under many names.
   */
  constructor(private readonly maxChars = 16 * 1024 * 1024) {}

  /** `draw` renders and serialises `task`; a finished one is drawn once per view, base URL and expiry step. */
  text(task: Task, rc: RenderContext, draw: () => string, view = ''): string {
    if (!isTerminal(task.status)) return draw();
    const key = `${view}\n${task.id}\n${rc.baseUrl}\n${fileUrlExpiry(rc.nowMs, rc.fileUrlTtlS)}`;
    let text = this.entries.get(key);
    if (text === undefined) {
      text = draw();
      if (text.length <= MAX_ENTRY_CHARS) this.keep(key, text);
    }
    return text;
  }

  private keep(key: string, text: string): void {
    // Maps iterate in insertion order: the oldest answers go first
    for (const [k, v] of this.entries) {
      if (this.chars + text.length <= this.maxChars) break;
      this.entries.delete(k);
      this.chars -= v.length;
    }
    this.entries.set(key, text);
    this.chars += text.length;
  }

  /** characters held, for tests */
  get size(): number {
    return this.chars;
  }
}
