#!/usr/bin/env node
/**
 * Benchmark 2: durable task creation per second.
 *
 *  - single: `POST /v1/tasks` (noop model, input {}) from many concurrent keep-alive
 *    clients. genq runs with `--role api` (no worker), so only creation is measured. Every
 *    202 means the task row was fsync'd (WAL, synchronous=FULL) before the answer.
 *  - batch: `POST /v1/tasks/batch` with 1,000 tasks per request.
 *  - baseline: a bare better-sqlite3 script, same pragmas, one row per transaction (one fsync
 *    per row), in its own process: the rate a server gets if it commits each task alone.
 *  - batch ceiling: the same script committing 1,000 rows per transaction, i.e. what bare
 *    SQLite does on this disk with no HTTP, JSON, validation or rendering at all. The batch
 *    figure is shown against it (how much of the storage ceiling genq keeps) and against the
 *    issue's absolute 30,000 tasks/s goal.
 *
 * The load generator is its own process. Runs are interleaved (baseline, genq, baseline,
 * genq, ...); each round's genq figure is divided by that round's baseline and the headline
 * is the median of those paired ratios. The server's CPU time per task is shown as well.
 */
import path from 'node:path';
import {
  ensureBuilt, startChild, runLoad, cpuMeter, tmpDir, table, fmt, median, ratioLine, machineLine,
} from './lib/common.mjs';

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 4000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONNS = (process.env.BENCH_CONNECTIONS ?? '64,256').split(',').map(Number);
const BATCH_CONNS = Number(process.env.BENCH_BATCH_CONNECTIONS ?? 4);
const BATCH_SIZE = 1000;
const WARMUP_MS = 1000;

ensureBuilt();
console.log(`# create-throughput: durable POST /v1/tasks and /v1/tasks/batch vs SQLite one-fsync-per-row (${machineLine()})`);
console.log(`  ${DURATION_MS / 1000} s per run, ${ROUNDS} rounds; single creates from ${CONNS.join(' and ')} connections; batches of ${BATCH_SIZE} from ${BATCH_CONNS} connections`);

const dir = tmpDir('create');
const genq = startChild('genq-server.mjs', [JSON.stringify({ dataDir: dir, role: 'api' })]);
const { url, key } = await genq.ready;
const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
const one = { capability: 'voice', action: 'tts', model: 'noop', input: {} };
const batchBody = JSON.stringify({ tasks: Array.from({ length: BATCH_SIZE }, () => one) });

async function baseline(rowsPerTxn = 1) {
  const c = startChild('sqlite-fsync.mjs', [JSON.stringify({ file: path.join(tmpDir('fsync'), 'rows.db'), durationMs: DURATION_MS, rowsPerTxn })]);
  const r = await c.ready;
  return r.rps;
}

async function genqRun(opts) {
  const meter = cpuMeter(genq);
  await meter.start();
  const r = await runLoad({ url: `${url}${opts.path}`, method: 'POST', headers, body: opts.body, connections: opts.connections, durationMs: DURATION_MS, warmupMs: WARMUP_MS });
  const cpu = await meter.read();
  return { ...r, serverCpu: cpu, cpuUsPerTask: (cpu / r.rps) * 1e6 };
}

const base = [];
const ceiling = [];
const single = Object.fromEntries(CONNS.map((c) => [c, []]));
const batch = [];
const pairedSingle = [];
const pairedBatch = [];
const rows = [];
const before = await genq.call({ cmd: 'queue' });
let acknowledged = 0;
for (let round = 1; round <= ROUNDS; round++) {
  const b = await baseline();
  base.push(b);
  rows.push([round, 'SQLite, 1 row per txn (fsync each)', '-', fmt(b), '-', '-', '-', '-']);
  let bestThisRound = 0;
  for (const c of CONNS) {
    const r = await genqRun({ path: '/v1/tasks', body: JSON.stringify(one), connections: c });
    single[c].push(r.rps);
    bestThisRound = Math.max(bestThisRound, r.rps);
    acknowledged += r.ok;
    rows.push([round, `genq POST /v1/tasks`, c, fmt(r.rps), fmt(r.latency_ms.p50, 1), fmt(r.latency_ms.p99, 1), `${fmt(r.serverCpu * 100)}%`, fmt(r.cpuUsPerTask)]);
  }
  pairedSingle.push(bestThisRound / b);
  const bc = await baseline(BATCH_SIZE);
  ceiling.push(bc);
  rows.push([round, `SQLite, ${BATCH_SIZE} rows per txn`, '-', fmt(bc), '-', '-', '-', '-']);
  const r = await genqRun({ path: '/v1/tasks/batch', body: batchBody, connections: BATCH_CONNS });
  batch.push(r.rps * BATCH_SIZE);
  pairedBatch.push({ vsRow: (r.rps * BATCH_SIZE) / b, vsCeiling: (r.rps * BATCH_SIZE) / bc });
  acknowledged += r.ok * BATCH_SIZE;
  rows.push([round, `genq POST /v1/tasks/batch (x${BATCH_SIZE})`, BATCH_CONNS, fmt(r.rps * BATCH_SIZE), fmt(r.latency_ms.p50, 1), fmt(r.latency_ms.p99, 1), `${fmt(r.serverCpu * 100)}%`, fmt(r.cpuUsPerTask / BATCH_SIZE, 1)]);
}
const after = await genq.call({ cmd: 'queue' });
await genq.stop();

console.log();
table(['round', 'what', 'conns', 'tasks/s', 'p50 ms', 'p99 ms', 'server cpu', 'cpu us/task'], rows);
const queued = (s) => s.reduce((a, x) => a + Number(x.queued), 0);
console.log(`\n  rows stored during the runs: ${fmt(queued(after) - queued(before))} (acknowledged inside the measured windows: ${fmt(acknowledged)}; warm-ups add the rest)`);

const b = median(base);
const best = Math.max(...CONNS.map((c) => median(single[c])));
const bestConns = CONNS.find((c) => median(single[c]) === best);
const bt = median(batch);
const bc = median(ceiling);
console.log(`  median SQLite one-fsync-per-row ${fmt(b)}/s, SQLite ${BATCH_SIZE} rows/txn ${fmt(bc)}/s; genq single creates ${CONNS.map((c) => `${fmt(median(single[c]))}/s @${c}`).join(', ')}; batch ${fmt(bt)} tasks/s`);
console.log(`  (the issue's absolute goals, informational only on a shared machine: single >= 10,000/s ${best >= 10_000 ? 'met' : 'missed'}, batch >= 30,000/s ${bt >= 30_000 ? 'met' : 'missed'})`);
ratioLine('create-single genq/sqlite-fsync-per-row', median(pairedSingle), 2, `(median of ${ROUNDS} paired rounds, best connection count each; medians ${fmt(best)}/s @${bestConns} conns vs ${fmt(b)}/s)`);
console.log(`RATIO create-batch genq-batch/sqlite-fsync-per-row = ${median(pairedBatch.map((x) => x.vsRow)).toFixed(2)} (medians ${fmt(bt)} vs ${fmt(b)}/s)`);
console.log(`RATIO create-batch genq-batch/sqlite-${BATCH_SIZE}-rows-per-txn = ${median(pairedBatch.map((x) => x.vsCeiling)).toFixed(2)} (medians ${fmt(bt)} vs ${fmt(bc)}/s: the share of bare SQLite's batch ceiling genq keeps)`);
