/**
 * The SDK's one way to make a request: authentication, JSON, typed errors, a per-request
 * timeout, and retries with backoff on 429/503 (honouring Retry-After) and on broken
 * connections — but only for requests that are safe to repeat.
 */
import { GenqConnectionError, abortReason, apiErrorFrom, type GenqApiError } from './errors.js';
import { backoffMs, parseRetryAfter, sleep } from './retry.js';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface GenqOptions {
  /** where genq runs; default: the page's origin in a browser, else http://127.0.0.1:8080 */
  baseUrl?: string;
  /** `sk_…`; sent as `Authorization: Bearer` */
  apiKey?: string | null;
  /** your own fetch (a proxy agent, a test double); default: the global fetch */
  fetch?: FetchLike;
  /** retries of a failed safe request; default 3 */
  maxRetries?: number;
  /** first backoff delay when the server sends no Retry-After; default 500 ms, doubling, with jitter */
  retryBaseMs?: number;
  /** ceiling of one backoff delay; default 20 s */
  retryMaxDelayMs?: number;
  /** a Retry-After longer than this is not waited out: the error is thrown instead; default 120 s */
  maxRetryAfterMs?: number;
  /** per-request timeout until the response arrives; default 60 s (long-polls add their wait) */
  timeoutMs?: number;
  /** extra headers sent with every request */
  headers?: Record<string, string>;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined | null>;
  /** sent as JSON */
  json?: unknown;
  /** sent as is (with `headers['content-type']`); must be replayable (not a stream) to be retried */
  body?: RequestInit['body'];
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** whether repeating the request is harmless; default: true for GET/HEAD, true for a POST with Idempotency-Key */
  idempotent?: boolean;
  timeoutMs?: number;
  /** how long the server may hold the answer on purpose (a long-poll); added to the timeout */
  holdMs?: number;
}

const defaultBaseUrl = (): string => {
  const loc = (globalThis as { location?: { origin?: string } }).location;
  return loc?.origin && /^https?:/.test(loc.origin) ? loc.origin : 'http://127.0.0.1:8080';
};

export class HttpClient {
  readonly baseUrl: string;
  readonly apiKey: string | null;
  private readonly fetchFn: FetchLike;
  private readonly opts: Required<Pick<GenqOptions, 'maxRetries' | 'retryBaseMs' | 'retryMaxDelayMs' | 'maxRetryAfterMs' | 'timeoutMs'>>;
  private readonly headers: Record<string, string>;

  constructor(options: GenqOptions = {}) {
    this.baseUrl = (options.baseUrl ?? defaultBaseUrl()).replace(/\/+$/, '');
    if (!/^https?:\/\//.test(this.baseUrl)) throw new TypeError(`baseUrl must start with http:// or https://, got "${this.baseUrl}"`);
    this.apiKey = options.apiKey ?? null;
    this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.opts = {
      maxRetries: options.maxRetries ?? 3,
      retryBaseMs: options.retryBaseMs ?? 500,
      retryMaxDelayMs: options.retryMaxDelayMs ?? 20_000,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 120_000,
      timeoutMs: options.timeoutMs ?? 60_000,
    };
    this.headers = options.headers ?? {};
  }

  url(path: string, query?: RequestOptions['query']): string {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null) qs.set(k, String(v));
    const s = qs.toString();
    return `${this.baseUrl}${path}${s ? `?${s}` : ''}`;
  }

  /** A request whose answer is JSON (read within the timeout). */
  async json<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const { text } = await this.send(method, path, opts, async (res) => ({ text: await res.text() }), false);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** A JSON request that also returns the response headers. */
  async jsonWithHeaders<T>(method: string, path: string, opts: RequestOptions = {}): Promise<{ body: T; headers: Headers }> {
    const { text, headers } = await this.send(method, path, opts, async (res) => ({ text: await res.text(), headers: res.headers }), false);
    return { body: (text ? JSON.parse(text) : undefined) as T, headers };
  }

  /** Opens a streaming response (its body unread); the timeout stops once the headers arrive. */
  stream(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    return this.send(method, path, opts, async (res) => res, true);
  }

  /**
   * Sends a request, retrying what is safe to retry, and hands the successful response to
   * `consume`. Throws GenqApiError for any non-2xx answer.
   */
  private async send<R>(method: string, path: string, opts: RequestOptions, consume: (res: Response) => Promise<R>, streaming: boolean): Promise<R> {
    const headers: Record<string, string> = { accept: 'application/json', ...this.headers, ...opts.headers };
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    let body = opts.body;
    if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
      headers['content-type'] = 'application/json';
    }
    const hasKey = Object.keys(headers).some((h) => h.toLowerCase() === 'idempotency-key');
    const idempotent = opts.idempotent ?? (method === 'GET' || method === 'HEAD' || hasKey);
    const url = this.url(path, opts.query);
    const timeoutMs = (opts.timeoutMs ?? this.opts.timeoutMs) + (opts.holdMs ?? 0);

    for (let attempt = 0; ; attempt++) {
      let error: GenqApiError | GenqConnectionError;
      const call = linkedAbort(opts.signal, timeoutMs);
      let streamOpen = false;
      try {
        const res = await this.fetchFn(url, { method, headers, body, signal: call.signal });
        if (res.ok) {
          // a stream outlives the timeout: from here on the caller's signal alone governs it
          streamOpen = streaming;
          if (streaming) call.stopTimer();
          return await consume(res);
        }
        error = apiErrorFrom(res.status, await res.text(), parseRetryAfter(res.headers.get('retry-after')));
      } catch (e) {
        if (opts.signal?.aborted) throw abortReason(opts.signal);
        error = call.timedOut()
          ? new GenqConnectionError(`No answer from genq at ${this.baseUrl} within ${Math.round(timeoutMs / 1000)} s (${method} ${path})`, e)
          : new GenqConnectionError(`Cannot reach genq at ${this.baseUrl} (${describe(e)})`, e);
      } finally {
        // an open stream keeps listening to the caller's signal; everything else lets go
        if (!streamOpen) call.done();
      }
      // 429 and 503 say "not now"; a broken connection may or may not have reached the server.
      // Either way only a request that is harmless to repeat is sent again.
      const retryable = error instanceof GenqConnectionError || error.status === 429 || error.status === 503;
      if (!retryable || !idempotent || attempt >= this.opts.maxRetries) throw error;
      const retryAfter = error instanceof GenqConnectionError ? null : error.retryAfterMs;
      if (retryAfter !== null && retryAfter > this.opts.maxRetryAfterMs) throw error;
      await sleep(retryAfter ?? backoffMs(attempt, this.opts.retryBaseMs, this.opts.retryMaxDelayMs), opts.signal);
    }
  }
}

function describe(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (e as Error)?.message ?? String(e);
}

/** An AbortSignal that fires when the caller's does or after `ms`, and tells the two apart. */
function linkedAbort(outer: AbortSignal | undefined, ms: number) {
  const ac = new AbortController();
  let timedOut = false;
  const onAbort = () => ac.abort(abortReason(outer!));
  outer?.addEventListener('abort', onAbort, { once: true });
  if (outer?.aborted) onAbort();
  const timer = setTimeout(() => {
    timedOut = true;
    ac.abort(new DOMException('timed out', 'TimeoutError'));
  }, ms);
  return {
    signal: ac.signal,
    timedOut: () => timedOut,
    stopTimer: () => clearTimeout(timer),
    done: () => {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onAbort);
    },
  };
}
