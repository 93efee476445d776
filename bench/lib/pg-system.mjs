/**
 * Child process of bench/pg.mjs: one measurement of one system on its own fresh PostgreSQL
 * database. argv[2] (JSON): { system: 'genq'|'graphile-worker'|'pg-boss', op, url, ... }.
 * Sends one result object over IPC and exits.
 *
 * Every system does the same no-op work with its own public API and default durability
 * (synchronous_commit on: a job/task is on disk when the add returns):
 *  - create:  `total` single adds from `clients` concurrent callers
 *             (genq TaskService.create · graphile WorkerUtils.addJob · pg-boss send)
 *  - claim:   `total` queued, `clients` concurrent claimers take them until none are left,
 *             `batch` per call where the system allows it (genq Store.claimTasks · pg-boss
 *             fetch; graphile-worker has no fetch API, so its workers' own getJob, one per call)
 *  - e2e:     a no-op handler at `concurrency`, the queue held at `depth` by a producer
 *             topping it up in bulk; the rate over `measure` completions after `warmup`
 *  - latency: an idle worker (its own connections, so the wake-up crosses PostgreSQL) and
 *             `samples` sequential submits: submit → handler/`running` time
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';

const require = createRequire(import.meta.url);
const o = JSON.parse(process.argv[2]);
const now = () => performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

async function parallel(n, fn) {
  await Promise.all(Array.from({ length: n }, (_, i) => fn(i)));
}

/** e2e bookkeeping shared by all systems: completion counting, warm-up, measured window */
function e2eMeter(warmup, measure) {
  let done = 0;
  let t0 = null;
  let finish;
  const finished = new Promise((r) => (finish = r));
  return {
    finished,
    get done() {
      return done;
    },
    add(n = 1) {
      done += n;
      if (t0 === null && done >= warmup) t0 = now();
      if (t0 !== null && done >= warmup + measure) finish((measure / (now() - t0)) * 1000);
    },
  };
}

/** top-ups of about the queue's own depth (50…500): small enough that a shallow queue never runs dry while one is written */
const topUp = (depth) => Math.min(500, Math.max(50, depth));

/**
 * Keeps about `depth` tasks waiting: created − completed ≈ depth + running, where `running`
 * (the concurrency) counts the ones being worked on. Adds `chunk` at a time with up to two adds
 * in flight, so the queue does not run dry while one is being written.
 */
function producer(depth, running, chunk, add, meter) {
  let created = 0; // including adds still being written
  let inFlight = 0;
  let stopped = false;
  const tick = () => {
    while (!stopped && inFlight < 2 && created - meter.done < depth + running) {
      created += chunk;
      inFlight += 1;
      add(chunk).then(
        () => {
          inFlight -= 1;
          tick();
        },
        (e) => {
          console.error(`producer failed: ${e?.stack ?? e}`);
          process.exit(1);
        },
      );
    }
  };
  const timer = setInterval(tick, 2);
  return {
    async prefill() {
      for (let n = 0; n < depth; n += 1000) await add(Math.min(1000, depth - n));
      created = depth;
    },
    tick,
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// genq

async function genq() {
  const { startGenq } = await import('../../dist/app.js');
  const { loadConfig } = await import('../../dist/config.js');
  const { createLogger } = await import('../../dist/logger.js');
  const { newToken } = await import('../../dist/core/ids.js');
  const log = createLogger('warn');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'genq-bench-pg-'));
  const start = (role, concurrency = 16) =>
    startGenq(loadConfig({ port: 0, dataDir, role, concurrency, database: o.url, logLevel: 'warn' }, { GENQ_ENABLE_NOOP: '1', GENQ_RETENTION_S: '0' }), log);
  const req = { capability: 'voice', action: 'tts', model: 'noop', input: {} };
  try {
    if (o.op === 'create') {
      const g = await start('api');
      const { account_id } = await g.accounts.create({ name: 'bench', credits: 1e12, rateLimit: null });
      let left = o.total;
      const t0 = now();
      await parallel(o.clients, async () => {
        while (left-- > 0) await g.tasks.create(account_id, req, 'native');
      });
      const rate = (o.total / (now() - t0)) * 1000;
      await g.close();
      return { rate };
    }
    if (o.op === 'claim') {
      const g = await start('api');
      const { account_id } = await g.accounts.create({ name: 'bench', credits: 1e12, rateLimit: null });
      for (let left = o.total; left > 0; left -= 1000) await g.tasks.createBatch(account_id, Array.from({ length: Math.min(1000, left) }, () => req), 'native');
      let claimed = 0;
      const t0 = now();
      await parallel(o.clients, async (i) => {
        for (;;) {
          const t = Date.now();
          const got = await g.store.claimTasks({ owner: `bench-${i}`, limit: o.batch, now: t, leaseUntil: t + 600_000, newToken, models: ['noop'] });
          if (got.length === 0) return;
          claimed += got.length;
        }
      });
      const rate = (claimed / (now() - t0)) * 1000;
      await g.close();
      return { rate, claimed };
    }
    if (o.op === 'e2e') {
      // the producer is an api instance, the worker another one with its own connections
      const g = await start('api');
      const { account_id } = await g.accounts.create({ name: 'bench', credits: 1e12, rateLimit: null });
      const meter = e2eMeter(o.warmup, o.measure);
      const prod = producer(o.depth, o.concurrency, topUp(o.depth), (n) => g.tasks.createBatch(account_id, Array.from({ length: n }, () => req), 'native'), meter);
      await prod.prefill();
      const w = await start('worker', o.concurrency);
      w.tasks.bus.onAny((c) => {
        if (c.type === 'task.succeeded') {
          meter.add();
          void prod.tick();
        }
      });
      const rate = await Promise.race([meter.finished, sleep(300_000).then(() => NaN)]);
      prod.stop();
      await w.close();
      await g.close();
      return { rate };
    }
    if (o.op === 'latency') {
      const api = await start('api');
      const worker = await start('worker', 16);
      const { account_id } = await api.accounts.create({ name: 'bench', credits: 1e12, rateLimit: null });
      const runAt = new Map();
      const waiting = new Map();
      worker.tasks.bus.onAny((c) => {
        if (c.type !== 'task.running') return;
        const t = now();
        runAt.set(c.task.id, t);
        waiting.get(c.task.id)?.(t);
      });
      const lat = [];
      await sleep(500);
      for (let i = 0; i < o.samples; i++) {
        const t0 = now();
        const { task } = await api.tasks.create(account_id, req, 'native');
        // the worker may have claimed it before create() returned
        const ran = runAt.get(task.id) ?? (await new Promise((r) => waiting.set(task.id, r)));
        lat.push(ran - t0);
        await sleep(o.gapMs);
      }
      await worker.close();
      await api.close();
      return { p50: quantile(lat, 0.5), p95: quantile(lat, 0.95), max: Math.max(...lat) };
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  throw new Error(`unknown op ${o.op}`);
}

// ---------------------------------------------------------------------------------------------
// graphile-worker 0.16

async function graphile() {
  const gw = require('graphile-worker');
  const pg = require('pg');
  const pool = new pg.Pool({ connectionString: o.url, max: 20 });
  const noopLogger = new gw.Logger(() => () => {});
  await gw.runMigrations({ pgPool: pool, logger: noopLogger });
  const addBulk = (n) =>
    pool.query(
      `SELECT count(*) FROM graphile_worker.add_jobs(
         (SELECT array_agg(ROW('noop', '{}'::json, NULL, NULL, NULL, NULL, NULL, NULL)::graphile_worker.job_spec) FROM generate_series(1, $1)))`,
      [n],
    );
  try {
    if (o.op === 'create') {
      const utils = await gw.makeWorkerUtils({ pgPool: pool, logger: noopLogger });
      let left = o.total;
      const t0 = now();
      await parallel(o.clients, async () => {
        while (left-- > 0) await utils.addJob('noop', {});
      });
      const rate = (o.total / (now() - t0)) * 1000;
      await utils.release();
      return { rate };
    }
    if (o.op === 'claim') {
      for (let left = o.total; left > 0; left -= 1000) await addBulk(Math.min(1000, left));
      // graphile-worker's own claim: the query its workers run (one job per call)
      const { processSharedOptions, makeEnhancedWithPgClient } = require('graphile-worker/dist/lib.js');
      const { getJob } = require('graphile-worker/dist/sql/getJob.js');
      const compiled = processSharedOptions({ pgPool: pool, logger: noopLogger });
      const withPgClient = makeEnhancedWithPgClient(async (fn) => {
        const c = await pool.connect();
        try {
          return await fn(c);
        } finally {
          c.release();
        }
      });
      const tasks = { noop: async () => {} };
      let claimed = 0;
      const t0 = now();
      await parallel(o.clients, async (i) => {
        for (;;) {
          const job = await getJob(compiled, withPgClient, tasks, `bench-${i}`, null);
          if (!job) return;
          claimed += 1;
        }
      });
      return { rate: (claimed / (now() - t0)) * 1000, claimed };
    }
    if (o.op === 'e2e') {
      const meter = e2eMeter(o.warmup, o.measure);
      const prod = producer(o.depth, o.concurrency, topUp(o.depth), addBulk, meter);
      await prod.prefill();
      const runner = await gw.run({
        pgPool: pool, concurrency: o.concurrency, noHandleSignals: true, pollInterval: 1000, logger: noopLogger,
        taskList: { noop: async () => {} },
      });
      runner.events.on('job:complete', () => {
        meter.add();
        void prod.tick();
      });
      const rate = await Promise.race([meter.finished, sleep(300_000).then(() => NaN)]);
      prod.stop();
      await runner.stop();
      return { rate };
    }
    if (o.op === 'latency') {
      const started = new Map();
      const runner = await gw.run({
        connectionString: o.url, concurrency: 16, noHandleSignals: true, pollInterval: 1000, logger: noopLogger,
        taskList: { noop: async (payload) => started.get(payload.i)?.(now()) },
      });
      const utils = await gw.makeWorkerUtils({ pgPool: pool, logger: noopLogger });
      await sleep(500);
      const lat = [];
      for (let i = 0; i < o.samples; i++) {
        const ran = new Promise((r) => started.set(i, r));
        const t0 = now();
        await utils.addJob('noop', { i });
        lat.push((await ran) - t0);
        await sleep(o.gapMs);
      }
      await runner.stop();
      await utils.release();
      return { p50: quantile(lat, 0.5), p95: quantile(lat, 0.95), max: Math.max(...lat) };
    }
  } finally {
    await pool.end();
  }
  throw new Error(`unknown op ${o.op}`);
}

// ---------------------------------------------------------------------------------------------
// pg-boss 10

async function pgboss() {
  const { default: PgBoss } = await import('pg-boss');
  const make = async () => {
    const boss = new PgBoss({ connectionString: o.url, max: 20, supervise: false, schedule: false });
    boss.on('error', () => {});
    await boss.start();
    await boss.createQueue('noop').catch(() => {});
    return boss;
  };
  const boss = await make();
  const addBulk = (n) => boss.insert(Array.from({ length: n }, () => ({ name: 'noop', data: {} })));
  try {
    if (o.op === 'create') {
      let left = o.total;
      const t0 = now();
      await parallel(o.clients, async () => {
        while (left-- > 0) await boss.send('noop', {});
      });
      return { rate: (o.total / (now() - t0)) * 1000 };
    }
    if (o.op === 'claim') {
      for (let left = o.total; left > 0; left -= 1000) await addBulk(Math.min(1000, left));
      let claimed = 0;
      const t0 = now();
      await parallel(o.clients, async () => {
        for (;;) {
          const jobs = await boss.fetch('noop', { batchSize: o.batch });
          if (!jobs || jobs.length === 0) return;
          claimed += jobs.length;
        }
      });
      return { rate: (claimed / (now() - t0)) * 1000, claimed };
    }
    if (o.op === 'e2e') {
      const meter = e2eMeter(o.warmup, o.measure);
      const prod = producer(o.depth, o.concurrency, topUp(o.depth), addBulk, meter);
      await prod.prefill();
      // pg-boss 10 has no concurrency option: parallel work() loops, each fetching a batch. Its loop
      // waits out the polling interval (≥ 0.5 s) after every fetch unless notified, which would cap
      // it at loops × batch / 0.5 s; in its favour, each batch notifies its own loop to go again
      const loops = Math.max(1, Math.min(o.concurrency, o.bossLoops ?? 4));
      for (let i = 0; i < loops; i++) {
        let id = null;
        id = await boss.work('noop', { batchSize: Math.max(1, Math.floor(o.concurrency / loops)), pollingIntervalSeconds: 0.5 }, async (jobs) => {
          // counted when the handler returns; pg-boss completes the batch right after
          meter.add(jobs.length);
          void prod.tick();
          if (id) boss.notifyWorker(id);
        });
      }
      const rate = await Promise.race([meter.finished, sleep(300_000).then(() => NaN)]);
      prod.stop();
      await boss.offWork('noop');
      return { rate };
    }
    if (o.op === 'latency') {
      const worker = await make();
      const started = new Map();
      await worker.work('noop', { batchSize: 16, pollingIntervalSeconds: 0.5 }, async (jobs) => {
        for (const j of jobs) started.get(j.data.i)?.(now());
      });
      await sleep(500);
      const lat = [];
      for (let i = 0; i < o.samples; i++) {
        const ran = new Promise((r) => started.set(i, r));
        const t0 = now();
        await boss.send('noop', { i });
        lat.push((await ran) - t0);
        await sleep(o.gapMs);
      }
      await worker.stop({ graceful: false, wait: true }).catch(() => {});
      return { p50: quantile(lat, 0.5), p95: quantile(lat, 0.95), max: Math.max(...lat) };
    }
  } finally {
    await boss.stop({ graceful: false, wait: true }).catch(() => {});
  }
  throw new Error(`unknown op ${o.op}`);
}

const systems = { genq, 'graphile-worker': graphile, 'pg-boss': pgboss };
try {
  const result = await systems[o.system]();
  process.send({ ok: true, ...result }, () => process.exit(0));
} catch (e) {
  process.send({ ok: false, error: String(e?.stack ?? e) }, () => process.exit(1));
}
