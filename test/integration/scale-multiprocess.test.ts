/**
 * Scale-out on PostgreSQL, as the "Show it" asks: 2 api + 2 worker processes on one
 * database (started at the same moment, so their migrations race), 200 tasks created across
 * both api processes, one worker killed with SIGKILL while it holds tasks, another started.
 * Every task must succeed exactly once and be readable and downloadable through either api
 * process; long-polls on one api process must see completions made by workers elsewhere.
 */
import { afterAll, expect, it } from 'vitest';
import pg from 'pg';
import { Api, sleep, waitFor, type Task } from '../helpers/server.js';
import { describePostgres } from '../helpers/postgres.js';
import { makeKeyOn, pool, scratchDir, startProc, stopAllProcs, type Proc } from './scale-support.js';

afterAll(stopAllProcs);

await describePostgres('scale: 2 api + 2 worker processes on PostgreSQL', (db) => {
  it('runs 200 tasks exactly once through a worker kill -9, readable and downloadable through either api', async () => {
    const dataDir = scratchDir(); // one machine: the local file storage is shared by all processes
    const env = {
      GENQ_DATABASE: db().url, GENQ_ENABLE_NOOP: '1', GENQ_LEASE_MS: '1500', GENQ_RETRY_BASE_MS: '50', GENQ_CONCURRENCY: '8',
    };
    // all four at once: their migrations race for the advisory lock
    const [api1, api2, w1, w2] = await Promise.all([
      startProc('api', dataDir, env), startProc('api', dataDir, env), startProc('worker', dataDir, env), startProc('worker', dataDir, env),
    ]) as [Proc, Proc, Proc, Proc];
    const { key } = await makeKeyOn(db().url);
    const apis = [new Api(api1.url!, key), new Api(api2.url!, key)];

    // a long-poll on api2 for a task created on api1 ends when a worker (another process) finishes it
    const probe = await apis[0]!.noop({ sleep_ms: 300 });
    const t0 = Date.now();
    const polled = await apis[1]!.get<Task>(`/v1/tasks/${probe.id}`, { headers: { prefer: 'wait=20' } });
    expect(polled.body.status).toBe('succeeded');
    expect(Date.now() - t0).toBeLessThan(5000);

    const created = await pool(Array.from({ length: 200 }, (_, i) => i), 25, (i) =>
      apis[i % 2]!.noop({ sleep_ms: 300, write_file: true, text: `task number ${i}` }, { metadata: { i } }),
    );
    expect(new Set(created.map((t) => t.id)).size).toBe(200);

    // kill -9 the first worker while it holds leases
    const client = new pg.Client({ connectionString: db().url });
    await client.connect();
    try {
      await waitFor(async () => {
        const r = await client.query(`SELECT count(*)::int AS n FROM tasks WHERE status = 'running' AND lease_owner = $1`, [w1.owner()]);
        return r.rows[0].n >= 3;
      }, { timeoutMs: 20_000, what: 'worker 1 to hold tasks' });
      w1.proc.kill('SIGKILL');
      expect((await w1.exited).signal).toBe('SIGKILL');
      await sleep(300); // a statement it sent just before dying may still be committing
      // what the dead worker still held: these can only finish after their leases run out
      const orphaned = await client.query(`SELECT id FROM tasks WHERE status = 'running' AND lease_owner = $1`, [w1.owner()]);
      const held = orphaned.rows.map((x) => x.id as string);
      expect(held.length).toBeGreaterThan(0);
      const w3 = await startProc('worker', dataDir, env);

      const final = await pool(created, 20, (t, i) => apis[(i + 1) % 2]!.waitTerminal(t.id, 60_000));
      expect(final.map((t) => t.status)).toEqual(Array(200).fill('succeeded'));

      // exactly once: one success event per task, and the killed worker's tasks ran again elsewhere
      const events = await client.query(
        `SELECT task_id, count(*)::int AS n FROM task_events WHERE type = 'task.succeeded' GROUP BY task_id`,
      );
      const succeeded = new Map(events.rows.map((r) => [r.task_id as string, r.n as number]));
      for (const t of created) expect(succeeded.get(t.id)).toBe(1);
      const rerun = await client.query(`SELECT id, attempts, lease_owner FROM tasks WHERE id = ANY($1::text[])`, [held]);
      for (const r of rerun.rows) expect(r.attempts).toBeGreaterThanOrEqual(2);
      // each went back to the queue once its lease ran out: queued at creation and again after the kill
      const requeued = await client.query(
        `SELECT task_id, count(*)::int AS n FROM task_events WHERE task_id = ANY($1::text[]) AND type = 'task.queued' GROUP BY task_id`, [held],
      );
      expect(requeued.rows.map((r) => r.n)).toEqual(held.map(() => 2));

      // readable and downloadable through either api process, with the right bytes
      await pool(created, 20, async (t, i) => {
        for (const api of apis) {
          const got = await api.task(t.id);
          expect(got.status).toBe('succeeded');
          expect(got.metadata).toEqual({ i });
          const res = await fetch(got.result!.files[0]!.url);
          expect(res.status).toBe(200);
          expect(await res.text()).toBe(`task number ${i}`);
        }
      });

      // queue visibility: the live workers are w2 and w3; the killed one has aged out or is about to
      const status = await apis[0]!.get('/v1/status');
      expect(status.status).toBe(200);
      const pids = status.body.workers.map((w: { pid: number }) => w.pid);
      expect(pids).toEqual(expect.arrayContaining([w2.proc.pid, w3.proc.pid]));
      expect(status.body.totals.queued).toBe(0);
      await waitFor(async () => {
        const s = await apis[1]!.get('/v1/status');
        return !s.body.workers.some((w: { pid: number }) => w.pid === w1.proc.pid);
      }, { timeoutMs: 10_000, what: 'the killed worker to drop out of /v1/status' });

      for (const p of [api1, api2, w2, w3]) expect(p.stderr()).not.toMatch(/Error|at .*\.js:\d+/);
    } finally {
      await client.end();
    }
  }, 120_000);
});
