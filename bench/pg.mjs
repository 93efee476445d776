#!/usr/bin/env node
/**
 * genq on PostgreSQL side by side with the two most used PostgreSQL job queues for Node,
 * graphile-worker 0.16 and pg-boss 10, doing the same no-op work in the same run, each
 * measurement in a fresh child process on a fresh database (lib/pg-system.mjs says exactly
 * what each measurement does for each system):
 *
 *   create      single durable adds/s from 32 concurrent callers
 *   claim       queued → claimed/s by 4 concurrent claimers (batch 10 where the system allows)
 *   e2e@20000   no-op tasks completed/s with the queue held at 20,000
 *   e2e@100     the same with the queue held at 100
 *   latency     submit → running, idle worker in its own connections (p50, p95)
 *
 * Needs `npm run build` and PostgreSQL (BENCH_PG_URL, default postgres://postgres@127.0.0.1:5432/test,
 * used only to create and drop the bench databases). Knobs: BENCH_ROUNDS (1; the median is
 * kept), BENCH_CREATE (5000), BENCH_CLIENTS (32), BENCH_CLAIM (10000), BENCH_CLAIMERS (4),
 * BENCH_BATCH (10), BENCH_CONCURRENCY (32), BENCH_MEASURE (5000), BENCH_WARMUP (500),
 * BENCH_SAMPLES (200), BENCH_ONLY (comma list of metrics).
 */
import crypto from 'node:crypto';
import pg from 'pg';
import { ensureBuilt, startChild, table, fmt, ratioLine, machineLine, median } from './lib/common.mjs';

const env = (k, d) => Number(process.env[k] ?? d);
const ADMIN = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ROUNDS = env('BENCH_ROUNDS', 1);
const SYSTEMS = ['genq', 'graphile-worker', 'pg-boss'];
const e2e = (depth) => ({ op: 'e2e', depth, concurrency: env('BENCH_CONCURRENCY', 32), warmup: env('BENCH_WARMUP', 500), measure: env('BENCH_MEASURE', 5000) });
const METRICS = {
  create: { unit: '/s', opts: { op: 'create', total: env('BENCH_CREATE', 5000), clients: env('BENCH_CLIENTS', 32) } },
  claim: { unit: '/s', opts: { op: 'claim', total: env('BENCH_CLAIM', 10_000), clients: env('BENCH_CLAIMERS', 4), batch: env('BENCH_BATCH', 10) } },
  'e2e@20000': { unit: '/s', opts: e2e(20_000) },
  'e2e@100': { unit: '/s', opts: e2e(100) },
  latency: { unit: 'ms', opts: { op: 'latency', samples: env('BENCH_SAMPLES', 200), gapMs: 20 } },
};
const only = process.env.BENCH_ONLY?.split(',');

ensureBuilt();

async function admin(sql) {
  const c = new pg.Client({ connectionString: ADMIN, connectionTimeoutMillis: 5000 });
  try {
    await c.connect();
  } catch (e) {
    console.error(`PostgreSQL is not reachable at ${ADMIN} (${e.code ?? e.message}); set BENCH_PG_URL or start it:
  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`);
    process.exit(2);
  }
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

async function measure(system, opts) {
  const name = `genq_bench_${crypto.randomBytes(5).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN);
  url.pathname = `/${name}`;
  try {
    const child = startChild('pg-system.mjs', [JSON.stringify({ system, url: url.toString(), ...opts })]);
    const r = await child.ready;
    await new Promise((res) => (child.proc.exitCode !== null ? res() : child.proc.once('exit', res)));
    if (!r.ok) throw new Error(`${system} ${opts.op}: ${r.error}`);
    return r;
  } finally {
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

console.log(`# pg: genq on PostgreSQL vs graphile-worker 0.16 and pg-boss 10, same machine, same run (${machineLine()})`);
const results = {};
for (const [metric, m] of Object.entries(METRICS)) {
  if (only && !only.includes(metric)) continue;
  results[metric] = {};
  // rounds interleave the systems, so a load swing on a shared machine hits all of them alike
  const runs = Object.fromEntries(SYSTEMS.map((s) => [s, []]));
  for (let i = 0; i < ROUNDS; i++) for (const system of SYSTEMS) runs[system].push(await measure(system, m.opts));
  for (const system of SYSTEMS) {
    const r = runs[system];
    results[metric][system] = m.opts.op === 'latency'
      ? { p50: median(r.map((x) => x.p50)), p95: median(r.map((x) => x.p95)) }
      : { rate: median(r.map((x) => x.rate)) };
    const shown = m.opts.op === 'latency' ? `p50 ${fmt(results[metric][system].p50, 1)} ms, p95 ${fmt(results[metric][system].p95, 1)} ms` : `${fmt(results[metric][system].rate)}/s`;
    console.log(`  ${metric.padEnd(10)} ${system.padEnd(16)} ${shown}`);
  }
}

console.log();
const rows = [];
for (const [metric, r] of Object.entries(results)) {
  if (metric === 'latency') {
    rows.push(['latency p50 ms', ...SYSTEMS.map((s) => fmt(r[s].p50, 1)), '', '']);
    rows.push(['latency p95 ms', ...SYSTEMS.map((s) => fmt(r[s].p95, 1)), '', '']);
  } else {
    const [g, gw, pb] = SYSTEMS.map((s) => r[s].rate);
    rows.push([`${metric} per s`, fmt(g), fmt(gw), fmt(pb), (g / gw).toFixed(2), (g / pb).toFixed(2)]);
  }
}
table(['metric', ...SYSTEMS, 'genq/graphile', 'genq/pg-boss'], rows);
console.log();
for (const [metric, r] of Object.entries(results)) {
  if (metric === 'latency') continue;
  ratioLine(`pg ${metric} genq/graphile-worker`, r.genq.rate / r['graphile-worker'].rate, 1, `(${fmt(r.genq.rate)} vs ${fmt(r['graphile-worker'].rate)} per s)`);
  ratioLine(`pg ${metric} genq/pg-boss`, r.genq.rate / r['pg-boss'].rate, 2, `(${fmt(r.genq.rate)} vs ${fmt(r['pg-boss'].rate)} per s)`);
}
if (results['e2e@20000'] && results['e2e@100']) {
  const deep = results['e2e@20000'].genq.rate;
  const shallow = results['e2e@100'].genq.rate;
  ratioLine('pg genq e2e 20000-queued/100-queued', deep / shallow, 0.8, `(${fmt(deep)} vs ${fmt(shallow)} per s)`);
}
if (results.latency) {
  const p50 = results.latency.genq.p50;
  ratioLine('pg genq submit-to-running 15ms/p50', 15 / p50, 1, `(p50 ${fmt(p50, 1)} ms, p95 ${fmt(results.latency.genq.p95, 1)} ms)`);
}
