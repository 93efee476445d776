/**
 * Integration-test harness: runs the real `genq serve` (dist/cli/main.js) as a child process on
 * a free port against a fresh data dir (a real SQLite file), makes keys with the real CLI and
 * talks HTTP with fetch. Every child is tracked and killed when the test file ends, even if a
 * test throws half-way.
 *
 * Assumes `npm run build` has produced dist/ (npm test does that first).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(ROOT, 'dist/cli/main.js');

if (!fs.existsSync(CLI)) {
  throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does it for you)`);
}

export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

export interface GenqServer {
  url: string;
  port: number;
  dataDir: string;
  proc: ChildProcess;
  /** every stdout line that parsed as JSON, in order */
  logs: LogLine[];
  /** stdout lines that were not JSON (should stay empty: genq logs JSON lines only) */
  nonJsonLines: string[];
  stderr(): string;
  exited: boolean;
  /** resolves when the process has exited */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`; resolves when it is gone */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForLog(pred: (l: LogLine) => boolean, opts?: { timeoutMs?: number; what?: string }): Promise<LogLine>;
}

export interface StartOptions {
  env?: Record<string, string>;
  /** reuse a data dir (restart); default: a fresh temp dir */
  dataDir?: string;
  /** reuse a port (restart on the same address); default: a free one */
  port?: number;
  readyTimeoutMs?: number;
}

const live = new Set<GenqServer>();
const tempDirs = new Set<string>();

// last line of defence: never leave a server behind when the test process goes away
process.once('exit', () => {
  for (const s of live) if (!s.exited) s.proc.kill('SIGKILL');
});

export function tempDir(prefix = 'genq-it-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

/** A port nobody listens on right now (the OS picks it); start() retries if it is taken meanwhile. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Environment for children: the caller's, minus any GENQ_* that would leak into a test. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GENQ_')) env[k] = v;
  return { ...env, GENQ_LOG_LEVEL: 'info', ...extra };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Polls `fn` until it returns something other than undefined/null/false, and returns that.
 * On timeout throws with `what` and the last value seen, so a failure says what was waited for.
 */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<Exclude<T, undefined | null | false>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  let last: unknown;
  let lastErr: unknown;
  for (;;) {
    try {
      last = await fn();
      lastErr = undefined;
      if (last !== undefined && last !== null && last !== false) return last as Exclude<T, undefined | null | false>;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() > deadline) {
      const detail = lastErr ? `last error: ${String(lastErr)}` : `last value: ${JSON.stringify(last)?.slice(0, 500)}`;
      throw new Error(`timed out after ${opts.timeoutMs ?? 10_000} ms waiting for ${opts.what ?? 'condition'} (${detail})`);
    }
    await sleep(opts.intervalMs ?? 50);
  }
}

async function launch(dataDir: string, port: number, env: Record<string, string>): Promise<GenqServer> {
  const proc = spawn(process.execPath, [CLI, 'serve', '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir], {
    cwd: ROOT,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  const nonJsonLines: string[] = [];
  let stderr = '';
  let partial = '';
  const waiters = new Set<() => void>();
  proc.stdout!.setEncoding('utf8');
  proc.stdout!.on('data', (chunk: string) => {
    partial += chunk;
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      if (!line.trim()) continue;
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        nonJsonLines.push(line);
      }
    }
    for (const w of waiters) w();
  });
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (c: string) => (stderr += c));

  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once('exit', (code, signal) => {
      server.exited = true;
      live.delete(server);
      for (const w of waiters) w();
      resolve({ code, signal });
    });
  });

  const server: GenqServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    dataDir,
    proc,
    logs,
    nonJsonLines,
    stderr: () => stderr,
    exited: false,
    exit,
    kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (!server.exited) proc.kill(signal);
    },
    async stop(graceMs = 5000) {
      if (!server.exited) {
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), graceMs);
        const r = await exit;
        clearTimeout(t);
        return r;
      }
      return exit;
    },
    waitForLog(pred, opts = {}) {
      return new Promise<LogLine>((resolve, reject) => {
        let seen = 0;
        const check = () => {
          for (; seen < logs.length; seen++) {
            if (pred(logs[seen]!)) {
              done();
              return resolve(logs[seen]!);
            }
          }
          if (server.exited) {
            done();
            reject(new Error(`server exited while waiting for log: ${opts.what ?? 'line'}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`timed out waiting for log: ${opts.what ?? 'line'}`));
        }, opts.timeoutMs ?? 10_000);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
  live.add(server);
  return server;
}

/** Starts `genq serve` and resolves once /healthz answers 200. */
export async function start(opts: StartOptions = {}): Promise<GenqServer> {
  const dataDir = opts.dataDir ?? tempDir();
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await freePort());
    const server = await launch(dataDir, port, opts.env ?? {});
    const deadline = Date.now() + (opts.readyTimeoutMs ?? 30_000);
    let ready = false;
    while (!server.exited && Date.now() < deadline) {
      try {
        const res = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        if (res.status === 200) {
          ready = true;
          break;
        }
      } catch {
        // not listening yet
      }
      await sleep(30);
    }
    if (ready) return server;
    const output = `stderr:\n${server.stderr()}\nstdout:\n${server.logs.map((l) => JSON.stringify(l)).join('\n')}`;
    if (!server.exited) await server.stop(1000);
    // someone grabbed the port between freePort() and listen(): try another
    if (/EADDRINUSE/.test(output) && opts.port === undefined && attempt < 4) continue;
    throw new Error(`genq did not become healthy on port ${port}\n${output}`);
  }
}

/** Stops every server this file started and removes the temp dirs. Call it in afterAll. */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((s) => s.stop(3000)));
  if (!process.env.GENQ_TEST_KEEP) {
    for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
    tempDirs.clear();
  }
}

/** Runs the real CLI; never throws on a non-zero exit. */
export async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileP(process.execPath, [CLI, ...args], { cwd: ROOT, env: childEnv(env), timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? String(e) };
  }
}

export interface CreatedKey {
  key: string;
  key_id: string;
  account_id: string;
  name: string;
  credits: number;
  webhook_secret: string;
}

/** `genq keys create --json` against the data dir (works while a server runs on it). */
export async function makeKey(dataDir: string, opts: { name?: string; credits?: number } = {}): Promise<CreatedKey> {
  const r = await cli(['keys', 'create', '--name', opts.name ?? 'test', '--credits', String(opts.credits ?? 1_000_000), '--json', '--data-dir', dataDir]);
  if (r.code !== 0) throw new Error(`keys create failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as CreatedKey;
}

/** start() + one key from the CLI + an Api for it: the usual beginning of a test file */
export async function startWithKey(opts: StartOptions = {}): Promise<{ server: GenqServer; key: CreatedKey; api: Api }> {
  const server = await start(opts);
  const key = await makeKey(server.dataDir);
  return { server, key, api: new Api(server.url, key.key) };
}

export async function revokeKey(dataDir: string, keyId: string): Promise<void> {
  const r = await cli(['keys', 'revoke', keyId, '--json', '--data-dir', dataDir]);
  if (r.code !== 0) throw new Error(`keys revoke failed (${r.code}): ${r.stderr}`);
}

// ---------------------------------------------------------------------------------------------
// HTTP

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  text: string;
  /** parsed JSON body, or undefined when the body is not JSON */
  body: T;
}

const STACK_TRACE = /\bat .*\.js:\d+|\bat .*\.ts:\d+|node:internal/;

/**
 * Throws if a response leaks a server fault: any 5xx, or anything that looks like a stack trace.
 * Every request made through `Api` is checked, so every test also tests this.
 */
export function assertNoServerFault(method: string, url: string, res: { status: number; text: string }): void {
  if (res.status >= 500) throw new Error(`${method} ${url} answered ${res.status}: ${res.text.slice(0, 500)}`);
  if (STACK_TRACE.test(res.text)) throw new Error(`${method} ${url} leaked a stack trace: ${res.text.slice(0, 500)}`);
}

export interface RequestOptions {
  body?: unknown;
  /** sent as-is (no JSON encoding), for malformed-body tests */
  rawBody?: string;
  headers?: Record<string, string>;
  /** false: do not send the API key */
  auth?: boolean;
  /** allow 5xx (e.g. while the server shuts down) */
  allowServerError?: boolean;
}

export class Api {
  constructor(readonly baseUrl: string, readonly key: string | null = null) {}

  withKey(key: string | null): Api {
    return new Api(this.baseUrl, key);
  }

  async request<T = any>(method: string, urlPath: string, opts: RequestOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = {};
    if (this.key && opts.auth !== false) headers.authorization = `Bearer ${this.key}`;
    let body: string | undefined;
    if (opts.rawBody !== undefined) body = opts.rawBody;
    else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    }
    Object.assign(headers, opts.headers ?? {});
    const url = urlPath.startsWith('http') ? urlPath : this.baseUrl + urlPath;
    const res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(90_000) });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!opts.allowServerError) assertNoServerFault(method, url, { status: res.status, text });
    return { status: res.status, headers: res.headers, text, body: parsed as T };
  }

  get<T = any>(p: string, opts?: RequestOptions) {
    return this.request<T>('GET', p, opts);
  }

  post<T = any>(p: string, body?: unknown, opts: RequestOptions = {}) {
    return this.request<T>('POST', p, { ...opts, ...(body === undefined ? {} : { body }) });
  }

  /** POST /v1/tasks and insist on 202 */
  async create(body: Record<string, unknown>): Promise<Task> {
    const r = await this.post<Task>('/v1/tasks', body);
    if (r.status !== 202) throw new Error(`create answered ${r.status}: ${r.text}`);
    return r.body;
  }

  noop(input: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Promise<Task> {
    return this.create({ capability: 'voice', action: 'tts', model: 'noop', input, ...extra });
  }

  async task(id: string): Promise<Task> {
    const r = await this.get<Task>(`/v1/tasks/${id}`);
    if (r.status !== 200) throw new Error(`GET task ${id} answered ${r.status}: ${r.text}`);
    return r.body;
  }

  /** long-polls (Prefer: wait) until the task is terminal; throws after timeoutMs */
  async waitTerminal(id: string, timeoutMs = 20_000): Promise<Task> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = Math.ceil((deadline - Date.now()) / 1000);
      const r = await this.get<Task>(`/v1/tasks/${id}`, { headers: { prefer: `wait=${Math.max(1, Math.min(30, left))}` } });
      if (r.status !== 200) throw new Error(`GET task ${id} answered ${r.status}: ${r.text}`);
      if (TERMINAL.has(r.body.status)) return r.body;
      if (Date.now() >= deadline) throw new Error(`task ${id} still ${r.body.status} after ${timeoutMs} ms`);
    }
  }

  /** every task of the account, following next_cursor */
  async listAll(query = ''): Promise<Task[]> {
    const out: Task[] = [];
    let cursor: string | null = null;
    for (;;) {
      const qs = new URLSearchParams(query);
      qs.set('limit', '100');
      if (cursor) qs.set('cursor', cursor);
      const r = await this.get(`/v1/tasks?${qs}`);
      if (r.status !== 200) throw new Error(`list answered ${r.status}: ${r.text}`);
      out.push(...r.body.data);
      if (!r.body.has_more) return out;
      cursor = r.body.next_cursor;
    }
  }
}

export const TERMINAL = new Set(['succeeded', 'failed', 'timed_out', 'cancelled', 'expired']);

export interface Task {
  id: string;
  status: string;
  capability: string;
  action: string;
  model: string;
  provider: string | null;
  progress: number | null;
  input: Record<string, unknown>;
  result: { files: Array<{ url: string; format: string; content_type: string; size_bytes: number; duration_s: number | null; url_expires_at: string }>; [k: string]: unknown } | null;
  error: { code: string; message: string; type: string; retryable: boolean } | null;
  metadata: Record<string, unknown> | null;
  attempts: number;
  max_attempts: number;
  timeout_s: number;
  priority: number;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  [k: string]: unknown;
}

// ---------------------------------------------------------------------------------------------
// Server-Sent Events

export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

/**
 * Reads an SSE stream until the server closes it (ended: true) or timeoutMs passes
 * (ended: false, the connection is aborted).
 */
export async function readSse(
  url: string,
  headers: Record<string, string>,
  opts: { timeoutMs?: number; onEvent?: (e: SseEvent) => void } = {},
): Promise<{ status: number; contentType: string | null; events: SseEvent[]; ended: boolean; body?: string }> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), opts.timeoutMs ?? 15_000);
  try {
    const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: ac.signal });
    if (res.status !== 200 || !res.body) {
      const body = await res.text();
      assertNoServerFault('GET', url, { status: res.status, text: body });
      return { status: res.status, contentType: res.headers.get('content-type'), events: [], ended: true, body };
    }
    const events: SseEvent[] = [];
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buf = '';
    let ended = false;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          ended = true;
          break;
        }
        buf += decoder.decode(value, { stream: true });
        let sep: number;
        while ((sep = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, sep);
          buf = buf.slice(sep + 2);
          const ev: SseEvent = { data: '' };
          const data: string[] = [];
          let any = false;
          for (const line of block.split('\n')) {
            if (!line || line.startsWith(':')) continue;
            const i = line.indexOf(':');
            const field = i < 0 ? line : line.slice(0, i);
            const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
            if (field === 'data') data.push(value);
            else if (field === 'id') ev.id = value;
            else if (field === 'event') ev.event = value;
            else continue;
            any = true;
          }
          if (!any || data.length === 0) continue;
          ev.data = data.join('\n');
          events.push(ev);
          opts.onEvent?.(ev);
        }
      }
    } catch (e) {
      if (!ac.signal.aborted) throw e;
    }
    return { status: res.status, contentType: res.headers.get('content-type'), events, ended };
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------
// Logs

export const requestLines = (s: GenqServer, pred: (l: LogLine) => boolean = () => true) =>
  s.logs.filter((l) => l.msg === 'request' && pred(l));

export const transitionLines = (s: GenqServer, taskId: string) =>
  s.logs.filter((l) => l.msg === 'task transition' && l.task_id === taskId);

/**
 * The `to` states of a task's transition log lines, once its terminal transition has been
 * logged (the line can reach us a moment after the HTTP answer that showed the terminal state).
 */
export async function loggedTransitions(s: GenqServer, taskId: string, timeoutMs = 5000): Promise<string[]> {
  return waitFor(() => {
    const tos = transitionLines(s, taskId).map((l) => String(l.to));
    return tos.length > 0 && TERMINAL.has(tos[tos.length - 1]!) ? tos : null;
  }, { timeoutMs, what: `terminal transition log line of ${taskId}` });
}
