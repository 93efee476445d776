/**
 * PostgreSQL going away and coming back, on a private server of this test's own (stopping the
 * shared one would break other test runs): while it is down /readyz answers 503 and requests
 * 503 with Retry-After (no stack traces); the workers back off; when it returns everything
 * recovers by itself, and every task accepted before the outage succeeds. Also: unreachable
 * at start-up is a clear one-line error and a non-zero exit.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Api, cli, waitFor } from '../helpers/server.js';
import { startPrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres.js';
import { makeKeyOn, pool, scratchDir, startProc, stopAllProcs } from './scale-support.js';

const pg = await startPrivatePostgres();
afterAll(async () => {
  await stopAllProcs();
  if (typeof pg !== 'string') await pg.destroy();
});

if (typeof pg === 'string') {
  if (process.env.CI === 'true') {
    describe('scale: PostgreSQL restart', () => it('needs a private PostgreSQL (CI=true)', () => {
      throw new Error(pg);
    }));
  } else {
    console.warn(`SKIPPED: scale: PostgreSQL restart: ${pg}`);
    describe.skip(`scale: PostgreSQL restart — SKIPPED: ${pg}`, () => it('needs PostgreSQL', () => {}));
  }
} else {
  const server: PrivatePostgres = pg;
  describe('scale: PostgreSQL restart', () => {
    it('refuses to start against an unreachable PostgreSQL with a clear message', async () => {
      const r = await cli(['serve', '--database', 'postgres://postgres@127.0.0.1:1/genq', '--port', '0']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/^error: Cannot connect to PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:1\/genq \(ECONNREFUSED\)/);
      expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
    });

    it('answers 503 while PostgreSQL is down and recovers by itself, losing nothing', async () => {
      const dataDir = scratchDir();
      const env = { GENQ_DATABASE: server.url, GENQ_ENABLE_NOOP: '1', GENQ_LEASE_MS: '3000', GENQ_RETRY_BASE_MS: '50' };
      const [api, worker] = await Promise.all([startProc('api', dataDir, env), startProc('worker', dataDir, env)]);
      const { key } = await makeKeyOn(server.url);
      const client = new Api(api.url!, key);

      const before = await pool(Array.from({ length: 30 }, (_, i) => i), 10, () => client.noop({ sleep_ms: 800 }));
      await waitFor(async () => (await client.task(before[0]!.id)).status === 'running', { what: 'a task to be running' });

      await server.stop();
      const ready = await fetch(`${api.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(ready.headers.get('retry-after')).toBeTruthy();
      const create = await client.post('/v1/tasks', { capability: 'voice', action: 'tts', model: 'noop', input: {} }, { allowServerError: true });
      expect(create.status).toBe(503);
      expect(create.headers.get('retry-after')).toBeTruthy();
      expect(create.body.error.code).toBe('UNAVAILABLE');
      expect(create.text).not.toMatch(/\bat .*\.js:\d+|ECONNREFUSED/);
      const read = await client.get(`/v1/tasks/${before[1]!.id}`, { allowServerError: true });
      expect(read.status).toBe(503);
      await new Promise((r) => setTimeout(r, 500)); // long enough for the worker's settle and claim to fail at least once
      await server.start();

      await waitFor(async () => (await fetch(`${api.url}/readyz`)).status === 200, { timeoutMs: 20_000, what: '/readyz to recover' });
      const after = await pool(Array.from({ length: 10 }, (_, i) => i), 10, () => client.noop({}));
      const all = await pool([...before, ...after], 10, (t) => client.waitTerminal(t.id, 60_000));
      expect(all.map((t) => t.status)).toEqual(Array(40).fill('succeeded'));
      // the processes lived through it
      expect(api.proc.exitCode).toBeNull();
      expect(worker.proc.exitCode).toBeNull();
      expect(worker.logs.some((l) => /claim failed|heartbeat failed|sweep failed|presence report failed/.test(l.msg))).toBe(true);
    }, 120_000);
  });
}
