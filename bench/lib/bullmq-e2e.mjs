/**
 * Child process: the BullMQ baseline of end-to-end throughput, on the local Redis.
 *
 *  1. Queue.addBulk `total` jobs (1,000 per call) into a fresh queue.
 *  2. Time from just before `new Worker(...)` (no-op async processor, `concurrency`) until its
 *     'completed' event has fired for all of them. Completed jobs are kept (BullMQ's default),
 *     as genq keeps its task rows. Then the queue is obliterated.
 *
 * argv[2] (JSON): { total, concurrency }. Sends { enqueue_s, seconds, rps, first_running_ms, succeeded,
 * cpu_us_per_task (this process), redis_cpu_us_per_task (redis-server, from INFO cpu) }.
 */
import { Queue, Worker } from 'bullmq';
import IORedis from 'ioredis';

const o = JSON.parse(process.argv[2]);
const connection = { host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null };
const name = `genq-bench-e2e-${process.pid}-${Date.now()}`;
const queue = new Queue(name, { connection });
const admin = new IORedis(connection);
const redisCpu = async () => {
  const info = await admin.info('cpu');
  const v = (k) => Number(new RegExp(`${k}:([0-9.]+)`).exec(info)[1]);
  return (v('used_cpu_sys') + v('used_cpu_user')) * 1e6;
};

const t0 = performance.now();
for (let left = o.total; left > 0; left -= 1000) {
  await queue.addBulk(Array.from({ length: Math.min(1000, left) }, (_, i) => ({ name: 'noop', data: { i } })));
}
const enqueueS = (performance.now() - t0) / 1000;

let succeeded = 0;
let firstRunning = null;
let finished;
const allDone = new Promise((r) => (finished = r));
const redis0 = await redisCpu();
const cpu0 = process.cpuUsage();
const start = performance.now();
const worker = new Worker(
  name,
  async () => {
    if (firstRunning === null) firstRunning = performance.now() - start;
  },
  { connection, concurrency: o.concurrency },
);
worker.on('completed', () => {
  if (++succeeded === o.total) finished(performance.now());
});
const timeout = setTimeout(() => finished(null), 120_000);
const end = await allDone;
clearTimeout(timeout);
const seconds = ((end ?? performance.now()) - start) / 1000;
const cpu = process.cpuUsage(cpu0);
const redisUs = (await redisCpu()) - redis0;
await worker.close();
await queue.obliterate({ force: true });
await queue.close();
await admin.quit();
process.send({
  enqueue_s: enqueueS, seconds, rps: succeeded / seconds, first_running_ms: firstRunning, succeeded, timed_out: end === null,
  cpu_us_per_task: (cpu.user + cpu.system) / succeeded, redis_cpu_us_per_task: redisUs / succeeded,
}, () => process.exit(0));
