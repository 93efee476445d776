/**
 * The hostile-input suite's HTTP side: a node:http client that sends paths byte for byte (fetch
 * would normalise `..` and `%2e%2e` away), a node:net client for requests no HTTP library will
 * write, and the checks every answer must pass: no 5xx, no stack trace or source path, none of
 * another account's secrets, and the dialect's own error shape.
 */
import http from 'node:http';
import net from 'node:net';
import { dialectOfPath, type Dialect } from './routes.js';

export interface HostileRequest {
  method: string;
  /** sent as-is: already %-encoded where it needs to be */
  path: string;
  headers: Record<string, string>;
  body?: Buffer | string;
}

export interface HostileResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** the body as latin1 text (every byte kept, so binary bodies can be searched too) */
  text: string;
  contentType: string;
  /** the body was cut off: an event stream left open, or more than maxBytes */
  truncated: boolean;
  ms: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });

export function destroyAgent(): void {
  agent.destroy();
}

/** One request over node:http. Rejects on a connection error or when the answer takes longer than timeoutMs. */
export function send(port: number, r: HostileRequest, opts: { timeoutMs?: number; maxBytes?: number } = {}): Promise<HostileResponse> {
  const maxBytes = opts.maxBytes ?? 4 * 1024 * 1024;
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const body = r.body === undefined ? undefined : Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body, 'utf8');
    const headers: Record<string, string | number> = { ...r.headers };
    if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')) headers['content-length'] = body.length;
    const req = http.request({ host: '127.0.0.1', port, method: r.method, path: r.path, headers, agent, setHost: !('host' in headers) });
    const timer = setTimeout(() => {
      req.destroy(new Error(`no complete answer within ${opts.timeoutMs ?? 20_000} ms`));
    }, opts.timeoutMs ?? 20_000);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      const contentType = String(res.headers['content-type'] ?? '');
      const finish = () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('latin1'), contentType, truncated, ms: performance.now() - t0 });
      };
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        size += c.length;
        // an event stream stays open while its task runs: the first chunk is all we judge
        if (contentType.startsWith('text/event-stream') || size > maxBytes) {
          truncated = true;
          res.removeAllListeners('data');
          req.destroy();
          finish();
        }
      });
      res.on('end', finish);
      res.on('error', () => (truncated ? undefined : finish()));
    });
    req.end(body);
  });
}

/** Writes raw bytes to a fresh socket, half-closes it, and collects whatever comes back. */
export function sendRaw(port: number, bytes: Buffer, timeoutMs = 3000): Promise<{ raw: string; status: number | null; closed: boolean }> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      const raw = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
      resolve({ raw, status: m ? Number(m[1]) : null, closed });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    sock.on('connect', () => {
      sock.write(bytes);
      sock.end();
    });
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('error', () => finish(true));
    sock.on('close', () => finish(true));
  });
}

// ---------------------------------------------------------------------------------------------
// checks

/** A stack frame, an absolute source path, or a module path: never part of an answer. */
const FAULT_PATTERNS: Array<[RegExp, string]> = [
  [/ {4}at /, 'a stack frame ("    at ")'],
  [/\/src\//, 'a source path ("/src/")'],
  [/node_modules/, 'a module path ("node_modules")'],
  [/node:internal/, 'a Node.js internal frame'],
  [/\.(?:js|ts|mjs|cjs):\d+:\d+/, 'a file:line:column position'],
  [/\b(?:TypeError|ReferenceError|RangeError|SyntaxError): /, 'a JavaScript error name'],
];

/** Static dashboard files are bundled code and may mention such paths in their own source. */
const isStaticAsset = (r: HostileRequest, res: HostileResponse) =>
  res.status < 400 && (r.path === '/' || r.path.startsWith('/docs') || r.path.startsWith('/assets/'));

export function describeRequest(r: HostileRequest): string {
  const body = r.body === undefined ? '' : Buffer.isBuffer(r.body) ? r.body.toString('latin1') : r.body;
  const headers = Object.entries(r.headers).map(([k, v]) => `${k}: ${v.length > 120 ? `${v.slice(0, 120)}…(${v.length} chars)` : v}`);
  const shownPath = r.path.length > 300 ? `${r.path.slice(0, 300)}…(${r.path.length} chars)` : r.path;
  const shownBody = body.length > 600 ? `${body.slice(0, 600)}…(${body.length} bytes)` : body;
  return `${r.method} ${shownPath}\n${headers.join('\n')}\n\n${shownBody}`;
}

const requestText = (r: HostileRequest) =>
  `${r.method} ${safeDecode(r.path)} ${r.path} ${JSON.stringify(r.headers)} ${r.body === undefined ? '' : Buffer.isBuffer(r.body) ? r.body.toString('latin1') : r.body}`;

function safeDecode(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    return p;
  }
}

export class ServerFault extends Error {}

function fail(what: string, r: HostileRequest, res: HostileResponse): never {
  throw new ServerFault(`${what}\n--- request\n${describeRequest(r)}\n--- answer ${res.status} (${res.contentType})\n${res.text.slice(0, 800)}`);
}

/** No 5xx and nothing that looks like a stack trace or a source path (unless the request itself held it). */
export function assertNoFault(r: HostileRequest, res: HostileResponse): void {
  if (res.status >= 500) fail(`answered ${res.status}`, r, res);
  if (res.status < 100) fail('answered without a status', r, res);
  if (isStaticAsset(r, res)) return;
  const sent = requestText(r);
  const seen = `${res.text}\n${JSON.stringify(res.headers)}`;
  for (const [re, what] of FAULT_PATTERNS) {
    if (re.test(seen) && !re.test(sent)) fail(`leaked ${what}`, r, res);
  }
}

/**
 * Another account's secrets (ids, key, metadata strings…): none may appear in an answer unless
 * the request itself carried it (an error message may echo the id it was asked about), or the
 * fuzzing account has stored it itself earlier (`tainted`: e.g. a victim's task id sent as
 * metadata of an accepted task comes back, rightly, in that task).
 */
export function assertNoLeak(r: HostileRequest, res: HostileResponse, secrets: ReadonlyMap<string, string>, tainted: ReadonlySet<string>): void {
  const sent = requestText(r);
  const seen = `${res.text}\n${JSON.stringify(res.headers)}`;
  for (const [value, name] of secrets) {
    if (tainted.has(value)) continue;
    if (seen.includes(value) && !sent.includes(value)) fail(`leaked the other account's ${name} (${value})`, r, res);
  }
}

/** The victim's secrets a request carries: once such a request is accepted, they may come back legitimately. */
export function secretsIn(r: HostileRequest, secrets: ReadonlyMap<string, string>): string[] {
  const sent = requestText(r);
  return [...secrets.keys()].filter((s) => sent.includes(s));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(Buffer.from(text, 'latin1').toString('utf8'));
  } catch {
    return undefined;
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const codeMessage = (e: unknown) => isObj(e) && typeof e.code === 'string' && typeof e.message === 'string';

/** Does a 4xx body have the shape its dialect documents? */
export function hasErrorShape(d: Dialect, body: unknown): boolean {
  if (!isObj(body)) return false;
  switch (d) {
    case 'finevoice':
      return typeof body.status === 'number' && codeMessage(body.error) && typeof body.timestamp === 'string';
    case 'modelhunter':
      return body.success === false && codeMessage(body.error);
    case 'camb':
      return typeof body.detail === 'string'
        || (Array.isArray(body.detail) && body.detail.length > 0 && body.detail.every((i) => isObj(i) && Array.isArray(i.loc) && typeof i.msg === 'string' && typeof i.type === 'string'));
    default:
      return codeMessage(body.error) && typeof (body.error as Record<string, unknown>).type === 'string';
  }
}

export interface ShapeDeviation {
  dialect: Dialect;
  status: number;
  request: string;
  body: string;
}

/** Collects (does not throw) 4xx answers not in their dialect's error shape. */
export function checkErrorShape(r: HostileRequest, res: HostileResponse, out: ShapeDeviation[]): void {
  // a 416 carries no body by design (RFC 9110 asks only for Content-Range)
  if (res.status < 400 || res.status >= 500 || res.status === 416 || r.method === 'HEAD') return;
  const d = dialectOfPath(r.path);
  if (hasErrorShape(d, parseJson(res.text))) return;
  out.push({ dialect: d, status: res.status, request: `${r.method} ${r.path.slice(0, 160)}`, body: res.text.slice(0, 300) });
}

/** The ids of the tasks a 2xx create answer names, in the dialect's own shape. */
export function createdIds(d: Dialect, url: string, body: unknown): string[] {
  if (!isObj(body)) return [];
  if (url === '/v1/tasks/batch') return Array.isArray(body.data) ? body.data.map((t) => (isObj(t) ? String(t.id) : '')) : [];
  const id = d === 'native' ? body.id : d === 'finevoice' ? body.taskId : d === 'modelhunter' ? (isObj(body.data) ? body.data.id : undefined) : body.task_id;
  return typeof id === 'string' ? [id] : [];
}

export { parseJson, isObj };
