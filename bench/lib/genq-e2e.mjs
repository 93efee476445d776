/**
 * Child process: genq end-to-end throughput of noop tasks.
 *
 *  1. startGenq with --role api on a fresh SQLite file, and enqueue `total` noop tasks
 *     in-process through TaskService.createBatch (1,000 per call, the batch API's own path
 *     minus HTTP), then close it. Every task is durable and `queued`.
 *  2. startGenq with --role worker and `concurrency` on the same file, and time from just
 *     before startGenq until the bus has announced `task.succeeded` for all of them.
 *
 * Logging is genq's own (one JSON line per transition) to stdout, which the parent sends to
 * /dev/null. argv[2] (JSON): { dataDir, total, concurrency, logLevel }.
 * Sends { enqueue_s, seconds, rps, first_running_ms, succeeded, cpu_us_per_task }.
 */
const { startGenq } = await import('../../dist/app.js');
const { loadConfig } = await import('../../dist/config.js');
const { createLogger } = await import('../../dist/logger.js');

const o = JSON.parse(process.argv[2]);
const env = { GENQ_ENABLE_NOOP: '1' };
const log = createLogger(o.logLevel ?? 'info');

// 1. enqueue
const t0 = performance.now();
const api = await startGenq(loadConfig({ port: 0, dataDir: o.dataDir, role: 'api', logLevel: o.logLevel ?? 'info' }, env), log);
const key = await api.accounts.create({ name: 'bench', credits: 1e12, rateLimit: null });
const one = { capability: 'voice', action: 'tts', model: 'noop', input: {} };
for (let left = o.total; left > 0; left -= 1000) {
  await api.tasks.createBatch(key.account_id, Array.from({ length: Math.min(1000, left) }, () => one), 'native');
}
await api.close();
const enqueueS = (performance.now() - t0) / 1000;

// 2. drain with a worker
let succeeded = 0;
let firstRunning = null;
let finished;
const allDone = new Promise((r) => (finished = r));
const cpu0 = process.cpuUsage();
const start = performance.now();
const worker = await startGenq(
  loadConfig({ port: 0, dataDir: o.dataDir, role: 'worker', concurrency: o.concurrency, logLevel: o.logLevel ?? 'info' }, env),
  log,
);
worker.tasks.bus.onAny((c) => {
  if (c.type === 'task.running' && firstRunning === null) firstRunning = performance.now() - start;
  if (c.type === 'task.succeeded' && ++succeeded === o.total) finished(performance.now());
});
const timeout = setTimeout(() => finished(null), 120_000);
const end = await allDone;
clearTimeout(timeout);
const seconds = ((end ?? performance.now()) - start) / 1000;
const cpu = process.cpuUsage(cpu0);
await worker.close();
process.send({
  enqueue_s: enqueueS, seconds, rps: succeeded / seconds, first_running_ms: firstRunning, succeeded, timed_out: end === null,
  cpu_us_per_task: (cpu.user + cpu.system) / succeeded,
}, () => process.exit(0));
