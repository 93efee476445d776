#!/usr/bin/env node
/**
 * Benchmark 3: end-to-end throughput of noop tasks, genq vs BullMQ on the local Redis.
 *
 * For each worker concurrency, in fresh child processes, interleaved genq then BullMQ:
 *  - genq: 20,000 noop tasks enqueued in-process through TaskService.createBatch (durable,
 *    `queued`) before any worker exists; then a `--role worker` genq drains them; time from
 *    just before startGenq to the 20,000th `task.succeeded` (lib/genq-e2e.mjs).
 *  - BullMQ: 20,000 jobs added with addBulk; then a Worker with a no-op processor drains
 *    them; time from just before `new Worker` to the 20,000th 'completed' (lib/bullmq-e2e.mjs).
 *
 * Both count from a full queue to an empty one, in one process with the same concurrency;
 * genq fsyncs every state change (WAL, synchronous=FULL), Redis runs without persistence
 * (as started for this project: no RDB, no AOF). The headline ratio is at the concurrency
 * where each does best. CPU per task is shown too (genq's process; BullMQ's process plus
 * redis-server's, read from INFO cpu): on a shared machine it is the steadier cost signal.
 */
import { ensureBuilt, startChild, tmpDir, table, fmt, ratioLine, machineLine, redisConnection } from './lib/common.mjs';

const TOTAL = Number(process.env.BENCH_TASKS ?? 20_000);
const CONCURRENCIES = (process.env.BENCH_CONCURRENCY ?? '16,50,200').split(',').map(Number);

ensureBuilt();
const redis = await redisConnection();
await redis.quit();
console.log(`# e2e-throughput: ${fmt(TOTAL)} queued noop tasks drained by one worker, genq vs BullMQ (${machineLine()})`);
console.log(`  genq enqueues in-process via TaskService.createBatch (1,000 per call) before the worker starts; BullMQ via Queue.addBulk`);

async function run(script, opts) {
  const c = startChild(script, [JSON.stringify(opts)]);
  return c.ready;
}

const rows = [];
const best = { genq: { rps: 0 }, bullmq: { rps: 0 } };
for (const concurrency of CONCURRENCIES) {
  const g = await run('genq-e2e.mjs', { dataDir: tmpDir('e2e'), total: TOTAL, concurrency });
  const b = await run('bullmq-e2e.mjs', { total: TOTAL, concurrency });
  for (const [name, r] of [['genq', g], ['bullmq', b]]) {
    if (r.timed_out || r.succeeded !== TOTAL) console.warn(`  ! ${name} finished ${r.succeeded} of ${TOTAL}`);
    if (r.rps > best[name].rps) best[name] = { ...r, concurrency };
    const cpu = r.cpu_us_per_task + (r.redis_cpu_us_per_task ?? 0);
    rows.push([name, concurrency, fmt(r.enqueue_s, 2), fmt(r.seconds, 2), fmt(r.rps), fmt(cpu), fmt(r.first_running_ms, 1)]);
  }
  rows.push(['', '', '', 'ratio', (g.rps / b.rps).toFixed(2), '', '']);
}
console.log();
table(['system', 'concurrency', 'enqueue s', 'drain s', 'tasks/s', 'cpu us/task', 'first run ms'], rows);
console.log();
console.log(`  best genq ${fmt(best.genq.rps)} tasks/s @${best.genq.concurrency}; best BullMQ ${fmt(best.bullmq.rps)} jobs/s @${best.bullmq.concurrency}`);
ratioLine('e2e genq/bullmq', best.genq.rps / best.bullmq.rps, 1, `(best of each: ${fmt(best.genq.rps)} vs ${fmt(best.bullmq.rps)} per s)`);
