/**
 * Support for the scale-out tests: runs real `genq serve --role api|worker|all` processes
 * (dist/cli/main.js) against one database, collects their JSON log lines, and kills every one
 * of them when the test file ends. (test/helpers/server.ts waits for /healthz, which a
 * worker-only process does not serve, hence this small sibling.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI, ROOT, cli, freePort, sleep } from '../helpers/server.js';

export interface Proc {
  role: 'api' | 'worker' | 'all';
  url: string | null;
  proc: ChildProcess;
  logs: Array<Record<string, any>>;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** the worker's lease owner id, from its 'worker started' line */
  owner(): string | null;
  stop(): Promise<void>;
}

const live = new Set<Proc>();
const dirs: string[] = [];
process.once('exit', () => {
  for (const p of live) p.proc.kill('SIGKILL');
});

export function scratchDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'genq-scale-'));
  dirs.push(d);
  return d;
}

/** env for children: the parent's minus GENQ_*, plus `extra` */
function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GENQ_')) out[k] = v;
  return { ...out, GENQ_LOG_LEVEL: 'info', ...extra };
}

export async function startProc(role: Proc['role'], dataDir: string, extraEnv: Record<string, string>, readyMs = 30_000): Promise<Proc> {
  const port = role === 'worker' ? 0 : await freePort();
  const child = spawn(process.execPath, [CLI, 'serve', '--role', role, '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir], {
    cwd: ROOT, env: env(extraEnv), stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, any>> = [];
  let err = '';
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    partial += chunk;
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      try {
        logs.push(JSON.parse(line));
      } catch {
        /* not a log line */
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      live.delete(p);
      resolve({ code, signal });
    }),
  );
  const p: Proc = {
    role,
    url: role === 'worker' ? null : `http://127.0.0.1:${port}`,
    proc: child,
    logs,
    stderr: () => err,
    exited,
    owner: () => logs.find((l) => l.msg === 'worker started')?.owner ?? null,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 8000);
      await exited;
      clearTimeout(t);
    },
  };
  live.add(p);
  const deadline = Date.now() + readyMs;
  let gone = false;
  void exited.then(() => (gone = true));
  for (;;) {
    if (gone) throw new Error(`genq --role ${role} exited during start-up:\n${err}\n${JSON.stringify(logs.slice(-5))}`);
    if (Date.now() > deadline) throw new Error(`genq --role ${role} did not start in ${readyMs} ms:\n${err}`);
    const ready = role === 'worker'
      ? logs.some((l) => l.msg === 'worker started')
      : await fetch(`${p.url}/healthz`).then((r) => r.ok, () => false);
    if (ready) return p;
    await sleep(50);
  }
}

export async function stopAllProcs(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop()));
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

/** `genq keys create --json` against a database URL */
export async function makeKeyOn(database: string, credits = 1_000_000): Promise<{ key: string; account_id: string }> {
  const r = await cli(['keys', 'create', '--name', 'scale', '--credits', String(credits), '--json', '--database', database]);
  if (r.code !== 0) throw new Error(`keys create failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** runs `fn` over `items` with at most `n` in flight */
export async function pool<T, R>(items: T[], n: number, fn: (x: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  }));
  return out;
}
