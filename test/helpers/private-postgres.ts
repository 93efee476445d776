/**
 * A throw-away PostgreSQL server of the test's own (initdb in a temp dir, a free port), for
 * tests that stop and start the server. Restarting the machine's shared cluster would break
 * every other test run using it at that moment; this one belongs to one test file only.
 *
 * Needs the PostgreSQL server binaries (pg_config --bindir, or /usr/lib/postgresql/<v>/bin).
 * PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user.
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './server.js';

const run = promisify(execFile);

export interface PrivatePostgres {
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

function binDir(): string | null {
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
    if (fs.existsSync(path.join(dir, 'initdb'))) return dir;
  } catch {
    /* no pg_config */
  }
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return null;
  const versions = fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : null;
}

/** the server, or why it cannot be had here */
export async function startPrivatePostgres(): Promise<PrivatePostgres | string> {
  const bin = binDir();
  if (!bin) return 'the PostgreSQL server binaries (initdb, pg_ctl) are not installed';
  const asRoot = process.getuid?.() === 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genq-pg-'));
  const data = path.join(dir, 'data');
  const port = await freePort();
  const as = (cmd: string, args: string[]) => (asRoot ? run('runuser', ['-u', 'postgres', '--', path.join(bin, cmd), ...args]) : run(path.join(bin, cmd), args));
  try {
    if (asRoot) execFileSync('chown', ['postgres', dir]);
    await as('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync', '--no-instructions']);
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    return `initdb failed: ${(e as Error).message.split('\n')[0]}`;
  }
  const opts = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c max_connections=60`;
  const pg: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start: async () => {
      await as('pg_ctl', ['-D', data, '-l', path.join(dir, 'log'), '-o', opts, '-w', '-t', '30', 'start']);
    },
    stop: async () => {
      await as('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']);
    },
    destroy: async () => {
      await as('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await pg.start();
  } catch (e) {
    await pg.destroy();
    return `the private PostgreSQL did not start: ${(e as Error).message.split('\n')[0]}`;
  }
  return pg;
}
