#!/usr/bin/env node
/**
 * Benchmark 4: submit -> running latency on an idle queue, genq vs BullMQ, both in-process.
 *
 * genq is started in this process with startGenq (role all, noop model, its logger writing
 * to /dev/null) so the moment a task turns `running` is seen on the in-process event bus
 * (bus.onAny, `task.running`, announced by the worker right after its claim is durable).
 * Three ways of submitting, each `COUNT` times, one at a time, each waiting until the task
 * has succeeded before the next (idle queue):
 *  - http: from just before `POST /v1/tasks` (node:http keep-alive client, in this same
 *    process, so its CPU is included) to `task.running`;
 *  - core: from just before TaskService.create (no HTTP) to `task.running`;
 * BullMQ: from just before Queue.add to the start of the Worker's processor, same count.
 *
 * Interleaved in blocks (genq http, genq core, BullMQ, repeat) to share the noise.
 */
import http from 'node:http';
import { pino } from 'pino';
import { ensureBuilt, tmpDir, table, fmt, percentile, machineLine, redisConnection, sleep } from './lib/common.mjs';

const COUNT = Number(process.env.BENCH_COUNT ?? 500);
const BLOCKS = 5;
const PER_BLOCK = Math.ceil(COUNT / BLOCKS);

ensureBuilt();
const redis = await redisConnection();
await redis.quit();
console.log(`# latency: submit -> running on an idle queue, ${COUNT} sequential submissions each (${machineLine()})`);

const { startGenq } = await import('../dist/app.js');
const { loadConfig } = await import('../dist/config.js');
const { Queue, Worker } = await import('bullmq');

// genq, in this process; its log goes to /dev/null like a server's would go to a file
const log = pino({ level: 'info', base: { service: 'genq' }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: '/dev/null', sync: true }));
const genq = await startGenq(loadConfig({ port: 0, dataDir: tmpDir('latency'), role: 'all' }, { GENQ_ENABLE_NOOP: '1' }), log);
const key = await genq.accounts.create({ name: 'bench', credits: 1e12, rateLimit: null });
const runningAt = new Map();
const succeeded = new Map();
genq.tasks.bus.onAny((c) => {
  if (c.type === 'task.running' && !runningAt.has(c.task.id)) runningAt.set(c.task.id, performance.now());
  if (c.type === 'task.succeeded') succeeded.get(c.task.id)?.();
});
const waitSucceeded = (id) => new Promise((r) => succeeded.set(id, r));

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const { hostname, port } = new URL(genq.url);
const body = JSON.stringify({ capability: 'voice', action: 'tts', model: 'noop', input: {} });
function post() {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, path: '/v1/tasks', method: 'POST', agent, headers: {
      authorization: `Bearer ${key.key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body),
    } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => (res.statusCode === 202 ? resolve(JSON.parse(text)) : reject(new Error(`${res.statusCode} ${text}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function genqOnce(via) {
  const t0 = performance.now();
  const task = via === 'http' ? await post() : (await genq.tasks.create(key.account_id, { capability: 'voice', action: 'tts', model: 'noop', input: {} }, 'native')).task;
  const done = waitSucceeded(task.id);
  // the task may already have succeeded before the POST answered
  if (!succeededIds.has(task.id)) await done;
  succeeded.delete(task.id);
  succeededIds.delete(task.id);
  const at = runningAt.get(task.id);
  runningAt.delete(task.id);
  return at - t0;
}
const succeededIds = new Set();
genq.tasks.bus.onAny((c) => {
  if (c.type === 'task.succeeded') succeededIds.add(c.task.id);
});

// BullMQ, in this process
const connection = { host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null };
const qname = `genq-bench-latency-${process.pid}`;
const queue = new Queue(qname, { connection });
const startedAt = new Map();
const completed = new Map();
const worker = new Worker(qname, async (job) => {
  startedAt.set(job.id, performance.now());
}, { connection, concurrency: 16 });
const completedIds = new Set();
worker.on('completed', (job) => {
  completedIds.add(job.id);
  completed.get(job.id)?.();
});
await worker.waitUntilReady();
await sleep(200);

async function bullOnce() {
  const t0 = performance.now();
  let resolveDone;
  const done = new Promise((r) => (resolveDone = r));
  const job = await queue.add('noop', {}, { removeOnComplete: true });
  completed.set(job.id, resolveDone);
  if (!completedIds.has(job.id)) await Promise.race([done, sleep(5000)]);
  completed.delete(job.id);
  completedIds.delete(job.id);
  const at = startedAt.get(job.id);
  startedAt.delete(job.id);
  return at - t0;
}

const samples = { 'genq http': [], 'genq core': [], bullmq: [] };
// warm-up
for (let i = 0; i < 20; i++) {
  await genqOnce('http');
  await genqOnce('core');
  await bullOnce();
}
for (let b = 0; b < BLOCKS; b++) {
  for (let i = 0; i < PER_BLOCK; i++) samples['genq http'].push(await genqOnce('http'));
  for (let i = 0; i < PER_BLOCK; i++) samples['genq core'].push(await genqOnce('core'));
  for (let i = 0; i < PER_BLOCK; i++) samples.bullmq.push(await bullOnce());
}

await worker.close();
await queue.obliterate({ force: true });
await queue.close();
agent.destroy();
await genq.close();

const rows = [];
const stat = {};
for (const [name, xs] of Object.entries(samples)) {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  stat[name] = { p50: percentile(s, 0.5), p99: percentile(s, 0.99) };
  rows.push([name, s.length, fmt(percentile(s, 0.5), 2), fmt(percentile(s, 0.9), 2), fmt(percentile(s, 0.99), 2), fmt(s[s.length - 1], 2)]);
}
console.log();
table(['submit via', 'n', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'], rows);
console.log();
const g = stat['genq http'];
const b = stat.bullmq;
console.log(`RATIO latency-p50 bullmq/genq-http = ${(b.p50 / g.p50).toFixed(2)} (genq ${fmt(g.p50, 2)} ms vs BullMQ ${fmt(b.p50, 2)} ms; >= 1 means genq is as fast; issue goal genq p50 <= 5 ms: ${g.p50 <= 5 ? 'met' : 'missed'})`);
console.log(`RATIO latency-p99 bullmq/genq-http = ${(b.p99 / g.p99).toFixed(2)} (genq ${fmt(g.p99, 2)} ms vs BullMQ ${fmt(b.p99, 2)} ms)`);
process.exit(0);
