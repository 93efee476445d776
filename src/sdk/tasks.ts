/** `genq.tasks`: create, get, list, cancel, wait and follow tasks. */
import { GenqApiError, GenqConnectionError, GenqError, GenqTimeoutError, abortReason } from './errors.js';
import type { HttpClient } from './http.js';
import { backoffMs, sleep } from './retry.js';
import { SseParser, readSse } from './sse.js';
import { isTerminal, type Task, type TaskCreateParams, type TaskEvent, type TaskList, type TaskListParams } from './types.js';

export interface CreateOptions {
  /**
   * Sent as the Idempotency-Key header: a repeat with the same key returns the task the first
   * request made, so a create can be retried safely. Default: a fresh random key per call, so
   * the SDK's own retries never make a second task. `false` sends none (and disables retries).
   */
  idempotencyKey?: string | false;
  signal?: AbortSignal;
}

export interface WaitOptions {
  /** give up after this many milliseconds with GenqTimeoutError (the task keeps running); default: no limit */
  timeout?: number;
  signal?: AbortSignal;
  /** called with the task whenever its status or progress changes (fed by the event stream) */
  onProgress?: (task: Task) => void;
  /** first delay when polling, used only when the server does not honour `Prefer: wait`; default 500 ms */
  pollIntervalMs?: number;
  /** longest delay between polls; default 5 s */
  maxPollIntervalMs?: number;
}

export interface EventsOptions {
  signal?: AbortSignal;
  /** resume after this event id (an event's `seq`) */
  lastEventId?: string | number;
  /** consecutive failed reconnects before giving up; default 10 */
  maxReconnects?: number;
  /** reconnect when nothing (not even a keepalive) arrived for this long; default 45 s */
  idleTimeoutMs?: number;
}

/** Longest `Prefer: wait` the SDK asks for: short enough for proxies that cut idle requests at 60 s. */
const LONG_POLL_S = 30;

/** Pages of GET /v1/tasks, newest first, fetched one by one as you iterate. */
export class TaskPages implements AsyncIterable<TaskList> {
  constructor(private readonly tasks: Tasks, private readonly params: TaskListParams, private readonly signal?: AbortSignal) {}

  async *[Symbol.asyncIterator](): AsyncIterator<TaskList> {
    let cursor = this.params.cursor;
    for (;;) {
      const page = await this.tasks.page({ ...this.params, ...(cursor ? { cursor } : {}) }, { signal: this.signal });
      yield page;
      if (!page.has_more || !page.next_cursor) return;
      cursor = page.next_cursor;
    }
  }

  /** every task across all pages */
  async *items(): AsyncGenerator<Task> {
    for await (const page of this) yield* page.data;
  }
}

export class Tasks {
  constructor(private readonly http: HttpClient) {}

  /** POST /v1/tasks. Resolves as soon as the task is durable and queued: it does not wait for it. */
  create(params: TaskCreateParams, opts: CreateOptions = {}): Promise<Task> {
    const key = opts.idempotencyKey === undefined ? newIdempotencyKey() : opts.idempotencyKey;
    return this.http.json<Task>('POST', '/v1/tasks', {
      json: params,
      headers: key === false ? {} : { 'idempotency-key': key },
      signal: opts.signal,
    });
  }

  /**
   * POST /v1/tasks/batch: 1 to 1,000 tasks, all or nothing. Carries an Idempotency-Key like
   * `create` (task i is stored under "<key> #i"), so a retry returns the same tasks.
   */
  async createBatch(tasks: TaskCreateParams[], opts: CreateOptions = {}): Promise<Task[]> {
    const key = opts.idempotencyKey === undefined ? newIdempotencyKey() : opts.idempotencyKey;
    const r = await this.http.json<{ data: Task[] }>('POST', '/v1/tasks/batch', {
      json: { tasks },
      headers: key === false ? {} : { 'idempotency-key': key },
      signal: opts.signal,
    });
    return r.data;
  }

  /** GET /v1/tasks/{id}; with `wait` (seconds, ≤ 60) the server holds the answer until the task finishes or that time passes. */
  async get(id: string, opts: { wait?: number; signal?: AbortSignal } = {}): Promise<Task> {
    return (await this.getWithHeaders(id, opts)).body;
  }

  private getWithHeaders(id: string, opts: { wait?: number; signal?: AbortSignal }) {
    const wait = opts.wait ?? 0;
    return this.http.jsonWithHeaders<Task>('GET', `/v1/tasks/${encodeURIComponent(id)}`, {
      headers: wait > 0 ? { prefer: `wait=${wait}` } : {},
      signal: opts.signal,
      holdMs: wait * 1000,
    });
  }

  /** One page of GET /v1/tasks. */
  page(params: TaskListParams = {}, opts: { signal?: AbortSignal } = {}): Promise<TaskList> {
    const status = Array.isArray(params.status) ? params.status.join(',') : params.status;
    return this.http.json<TaskList>('GET', '/v1/tasks', { query: { ...params, status }, signal: opts.signal });
  }

  /**
   * Every page of GET /v1/tasks, following next_cursor:
   * `for await (const page of genq.tasks.list({ status: 'running' }))`, or `.items()` for tasks.
   */
  list(params: TaskListParams = {}, opts: { signal?: AbortSignal } = {}): TaskPages {
    return new TaskPages(this, params, opts.signal);
  }

  /** POST /v1/tasks/{id}/cancel. A finished task answers 409 TASK_FINISHED. */
  cancel(id: string, opts: { signal?: AbortSignal } = {}): Promise<Task> {
    // cancelling twice means the same thing as once, so the request is safe to retry
    return this.http.json<Task>('POST', `/v1/tasks/${encodeURIComponent(id)}/cancel`, { signal: opts.signal, idempotent: true });
  }

  /**
   * Resolves with the task once it is finished, whatever its status (succeeded, failed, …).
   * Long-polls with `Prefer: wait`; when the server does not honour it, polls with backoff.
   * Outages while waiting (connection errors, 5xx, 429) are waited out, up to `timeout`.
   */
  async wait(id: string, opts: WaitOptions = {}): Promise<Task> {
    const deadline = opts.timeout === undefined ? Infinity : Date.now() + opts.timeout;
    const stop = new AbortController();
    const onOuterAbort = () => stop.abort(abortReason(opts.signal!));
    opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
    if (opts.signal?.aborted) onOuterAbort();

    let last: Task | null = null;
    // the long-poll and the event stream answer out of order: never report going backwards
    const seen = (t: Task) => {
      if (last && compareProgress(t, last) < 0) return;
      const changed = !last || t.status !== last.status || t.progress !== last.progress;
      last = t;
      if (changed) opts.onProgress?.(t);
    };
    if (opts.onProgress) {
      // progress comes from the event stream; completion still from the long-poll, so a
      // broken stream never stalls the wait
      void (async () => {
        for await (const e of this.events(id, { signal: stop.signal })) if (!stop.signal.aborted) seen(e.task);
      })().catch(() => {});
    }

    let longPoll = true;
    let pollDelay = opts.pollIntervalMs ?? 500;
    let failures = 0;
    try {
      for (;;) {
        const left = deadline - Date.now();
        if (left <= 0) throw new GenqTimeoutError(id, opts.timeout ?? 0, last);
        const wait = longPoll ? Math.min(LONG_POLL_S, Math.floor(left / 1000)) : 0;
        try {
          const { body: task, headers } = await this.getWithHeaders(id, { wait, signal: stop.signal });
          failures = 0;
          seen(task);
          if (isTerminal(task.status)) return task;
          if (wait > 0 && !headers.get('preference-applied')) longPoll = false; // a proxy or older server ignored it
          if (wait > 0 && longPoll) continue;
        } catch (e) {
          if (stop.signal.aborted) throw abortReason(stop.signal);
          const transient = e instanceof GenqConnectionError || (e instanceof GenqApiError && (e.status >= 500 || e.status === 429));
          if (!transient) throw e;
          await sleep(Math.min(backoffMs(failures++, 500, 10_000), Math.max(0, deadline - Date.now())), stop.signal);
          continue;
        }
        await sleep(Math.min(pollDelay, Math.max(0, deadline - Date.now())), stop.signal);
        pollDelay = Math.min(pollDelay * 1.5, opts.maxPollIntervalMs ?? 5000);
      }
    } finally {
      opts.signal?.removeEventListener('abort', onOuterAbort);
      stop.abort(new GenqError('WAIT_DONE', 'wait finished'));
    }
  }

  /**
   * The task's events (GET /v1/tasks/{id}/events, Server-Sent Events) as an async iterator:
   * the past ones first, then live ones, ending after the event of a finished status. A
   * dropped connection is reopened with Last-Event-ID, so no event is missed or repeated.
   * Breaking out of the loop closes the connection.
   */
  async *events(id: string, opts: EventsOptions = {}): AsyncGenerator<TaskEvent> {
    let lastId = opts.lastEventId === undefined ? '' : String(opts.lastEventId);
    const maxReconnects = opts.maxReconnects ?? 10;
    const idleMs = opts.idleTimeoutMs ?? 45_000;
    let failures = 0;
    let retryMs: number | null = null;
    for (;;) {
      const conn = new AbortController();
      const onAbort = () => conn.abort(abortReason(opts.signal!));
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      if (opts.signal?.aborted) onAbort();
      let idle: ReturnType<typeof setTimeout> | undefined;
      const touch = () => {
        clearTimeout(idle);
        idle = setTimeout(() => conn.abort(new GenqConnectionError(`event stream idle for ${idleMs / 1000} s`)), idleMs);
      };
      try {
        const res = await this.http.stream('GET', `/v1/tasks/${encodeURIComponent(id)}/events`, {
          headers: { accept: 'text/event-stream', ...(lastId ? { 'last-event-id': lastId } : {}) },
          signal: conn.signal,
        });
        if (!res.body) throw new GenqConnectionError('the event stream has no body');
        touch();
        const parser = new SseParser();
        for await (const m of readSse(res.body, parser, touch)) {
          retryMs = parser.retryMs;
          if (m.lastEventId) lastId = m.lastEventId;
          let event: TaskEvent;
          try {
            event = JSON.parse(m.data) as TaskEvent;
          } catch {
            continue; // not one of ours
          }
          failures = 0;
          yield event;
          if (isTerminal(event.status)) return;
        }
        // the stream ended before the task did (a restart, a proxy timeout): reconnect
      } catch (e) {
        if (opts.signal?.aborted) throw abortReason(opts.signal);
        if (e instanceof GenqApiError) throw e; // 404, 401…: reconnecting will not help (429/503 were retried already)
      } finally {
        clearTimeout(idle);
        opts.signal?.removeEventListener('abort', onAbort);
        conn.abort();
      }
      if (++failures > maxReconnects) throw new GenqConnectionError(`The event stream of task ${id} broke ${failures} times in a row; giving up`);
      await sleep(failures === 1 ? Math.min(retryMs ?? 1000, 1000) : Math.max(retryMs ?? 0, backoffMs(failures - 1, 500, 15_000)), opts.signal);
    }
  }
}

const RANK: Record<string, number> = { pending: 0, queued: 1, running: 2 };

/** Orders two snapshots of one task by how far along they are: attempt, then status, then progress. */
function compareProgress(a: Task, b: Task): number {
  const rank = (t: Task) => RANK[t.status] ?? 3;
  return a.attempts - b.attempts || rank(a) - rank(b) || (a.progress ?? 0) - (b.progress ?? 0);
}

/** A random UUID v4, also where crypto.randomUUID is missing (plain-http pages are not "secure contexts"). */
export function newIdempotencyKey(): string {
  const c = globalThis.crypto;
  if (typeof c?.randomUUID === 'function') return c.randomUUID();
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
