/**
 * A small closed-loop HTTP/1.1 load generator, run as its own process (see runLoad in
 * common.mjs) so its CPU never competes with the server's event loop inside one process.
 *
 * Each of `connections` keep-alive sockets sends one request, reads the whole response, and
 * sends the next (no pipelining), like wrk or autocannon. Responses are parsed minimally
 * (status line, Content-Length, body skipped) so that the client stays cheap: on a 2-core
 * machine a heavyweight client would otherwise be what is measured.
 *
 * Input (argv[2], JSON): { url, method, headers, body, connections, durationMs, warmupMs }
 * Output (IPC message or stdout JSON): { requests, ok, non2xx, errors, seconds, rps,
 *   latency_ms: {p50, p99, max}, client_cpu: fraction of one core, sample: first 2xx body prefix }
 */
import net from 'node:net';

const cfg = JSON.parse(process.argv[2]);
const u = new URL(cfg.url);
const host = u.hostname.replace(/^\[|\]$/g, '');
const port = Number(u.port || 80);
const body = cfg.body === undefined || cfg.body === null ? null : Buffer.from(cfg.body);
const headerLines = [
  `${cfg.method ?? 'GET'} ${u.pathname}${u.search} HTTP/1.1`,
  `host: ${u.host}`,
  'connection: keep-alive',
  ...Object.entries(cfg.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
  ...(body ? [`content-length: ${body.length}`] : []),
];
const head = Buffer.from(headerLines.join('\r\n') + '\r\n\r\n');
const request = body ? Buffer.concat([head, body]) : head;

const CRLFCRLF = Buffer.from('\r\n\r\n');
let measuring = false;
let stopped = false;
const stats = { requests: 0, ok: 0, non2xx: 0, errors: 0, statuses: {} };
const lat = [];
let sample = null;

function connection() {
  return new Promise((resolve) => {
    let sock;
    let buf = Buffer.alloc(0);
    let need = -1; // bytes of body still expected; -1 = reading headers
    let status = 0;
    let sentAt = 0;
    let wasMeasuring = false;
    let bodyParts = null;

    const send = () => {
      if (stopped) {
        sock.end();
        return resolve();
      }
      sentAt = performance.now();
      wasMeasuring = measuring;
      sock.write(request);
    };
    const done = () => {
      if (wasMeasuring && measuring) {
        stats.requests++;
        stats.statuses[status] = (stats.statuses[status] ?? 0) + 1;
        if (status >= 200 && status < 300) stats.ok++;
        else stats.non2xx++;
        lat.push(performance.now() - sentAt);
      }
      if (bodyParts && sample === null && status >= 200 && status < 300) sample = Buffer.concat(bodyParts).toString('utf8', 0, 600);
      if (!sample && status >= 300 && bodyParts && !stats.firstError) stats.firstError = `${status} ${Buffer.concat(bodyParts).toString('utf8', 0, 300)}`;
      bodyParts = null;
      send();
    };
    const onData = (chunk) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      for (;;) {
        if (need < 0) {
          const end = buf.indexOf(CRLFCRLF);
          if (end < 0) return;
          const headers = buf.toString('latin1', 0, end);
          status = Number(headers.slice(9, 12));
          const m = /\r\ncontent-length:\s*(\d+)/i.exec(headers);
          if (!m) {
            stats.errors++;
            stats.firstError ??= `response without content-length: ${headers.slice(0, 200)}`;
            sock.destroy();
            return resolve();
          }
          need = Number(m[1]);
          buf = buf.subarray(end + 4);
          if (sample === null || (status >= 300 && !stats.firstError)) bodyParts = [];
        }
        if (buf.length < need) {
          if (bodyParts) bodyParts.push(buf);
          need -= buf.length;
          buf = Buffer.alloc(0);
          return;
        }
        if (bodyParts) bodyParts.push(buf.subarray(0, need));
        buf = buf.subarray(need);
        need = -1;
        done();
        if (buf.length === 0) return;
      }
    };
    const open = () => {
      sock = net.connect({ host, port });
      sock.setNoDelay(true);
      sock.on('connect', send);
      sock.on('data', onData);
      sock.on('error', (e) => {
        stats.errors++;
        stats.firstError ??= String(e);
      });
      sock.on('close', () => {
        if (stopped) return resolve();
        // server closed the socket: reconnect and go on
        buf = Buffer.alloc(0);
        need = -1;
        setTimeout(open, 10);
      });
    };
    open();
  });
}

const conns = Array.from({ length: cfg.connections ?? 16 }, connection);
await new Promise((r) => setTimeout(r, cfg.warmupMs ?? 0));
measuring = true;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await new Promise((r) => setTimeout(r, cfg.durationMs ?? 5000));
measuring = false;
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
stopped = true;
await Promise.race([Promise.all(conns), new Promise((r) => setTimeout(r, 5000))]);

lat.sort((a, b) => a - b);
const q = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] : NaN);
const out = {
  ...stats,
  seconds,
  rps: stats.ok / seconds,
  latency_ms: { p50: q(0.5), p99: q(0.99), max: lat[lat.length - 1] ?? NaN },
  client_cpu: (cpu.user + cpu.system) / 1e6 / seconds,
  sample,
};
if (process.send) process.send(out, () => process.exit(0));
else {
  console.log(JSON.stringify(out));
  process.exit(0);
}
