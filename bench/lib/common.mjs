/** Shared helpers of the benchmarks: child processes, the load generator, tables, stats. */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = path.resolve(BENCH_DIR, '..');
export const DIST = path.join(ROOT, 'dist');

/** genq is imported compiled; say how to fix it rather than failing with a resolve error. */
export function ensureBuilt() {
  if (!fs.existsSync(path.join(DIST, 'app.js'))) {
    console.error('dist/ is missing: run `npm run build` first.');
    process.exit(2);
  }
}

/** A fresh folder on the same disk as the default data dir (os.tmpdir()), removed at exit. */
const made = [];
export function tmpDir(prefix) {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `genq-bench-${prefix}-`));
  made.push(d);
  return d;
}
process.on('exit', () => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

/**
 * Forks a bench/lib script. Its stdout (where both genq and the baselines write their one
 * JSON log line per request) goes to /dev/null, or to `logFile` when given; stderr is shown.
 * Talks over IPC: `await child.ready` is the script's first message; `child.call(msg)`
 * sends a message and resolves with the next reply.
 */
export function startChild(script, args = [], { env = {}, logFile = null, execArgv = [] } = {}) {
  const out = fs.openSync(logFile ?? '/dev/null', 'a');
  const child = fork(path.join(BENCH_DIR, 'lib', script), args, {
    stdio: ['ignore', out, 'inherit', 'ipc'],
    env: { ...process.env, ...env },
    execArgv,
  });
  fs.closeSync(out);
  const waiting = [];
  let exited = null;
  child.on('message', (m) => waiting.shift()?.resolve(m));
  child.on('exit', (code, sig) => {
    exited = { code, sig };
    for (const w of waiting.splice(0)) w.reject(new Error(`${script} exited (${code ?? sig}) before replying`));
  });
  const next = () => new Promise((resolve, reject) => (exited ? reject(new Error(`${script} has exited`)) : waiting.push({ resolve, reject })));
  const ready = next();
  return {
    proc: child,
    ready,
    call(msg) {
      const p = next();
      child.send(msg);
      return p;
    },
    async stop() {
      if (exited) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.send({ cmd: 'close' });
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await gone;
      clearTimeout(t);
    },
  };
}

/** Runs the load generator in its own process and returns its result. */
export async function runLoad(opts) {
  const c = startChild('loadgen.mjs', [JSON.stringify(opts)]);
  const res = await c.ready;
  await new Promise((r) => (c.proc.exitCode !== null ? r() : c.proc.once('exit', r)));
  if (res.errors > 0 || res.non2xx > 0) {
    console.warn(`  ! load run had ${res.errors} socket errors and ${res.non2xx} non-2xx responses: ${res.firstError ?? JSON.stringify(res.statuses)}`);
  }
  return res;
}

/** CPU time of a child between two calls, as a fraction of one core. */
export function cpuMeter(child) {
  let last = null;
  return {
    async start() {
      last = { ...(await child.call({ cmd: 'cpu' })), t: performance.now() };
    },
    async read() {
      const now = await child.call({ cmd: 'cpu' });
      const secs = (performance.now() - last.t) / 1000;
      return (now.user + now.system - last.user - last.system) / 1e6 / secs;
    },
  };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export function fmt(n, digits = 0) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return String(n);
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Prints rows (arrays of cells) as an aligned table under a header. */
export function table(header, rows) {
  const all = [header, ...rows].map((r) => r.map((c) => String(c)));
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r) => '  ' + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(all[0]));
  console.log('  ' + widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of all.slice(1)) console.log(line(r));
}

export function machineLine() {
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  return `node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), load avg ${load}`;
}

/** The ratio line every benchmark ends with, parsed by run-all.mjs. */
export function ratioLine(name, ratio, goal, detail) {
  const verdict = ratio >= goal ? 'meets' : 'MISSES';
  const line = `RATIO ${name} = ${ratio.toFixed(2)} (goal >= ${goal}; ${verdict} the goal) ${detail}`;
  console.log(line);
  return line;
}

/** Redis for the BullMQ baselines. */
export async function redisConnection() {
  const { default: IORedis } = await import('ioredis');
  const conn = new IORedis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null, lazyConnect: true });
  try {
    await conn.connect();
    await conn.ping();
  } catch (e) {
    console.error(`Redis is not reachable at 127.0.0.1:6379 (${e.message}). Start it with:
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log`);
    process.exit(2);
  }
  return conn;
}
