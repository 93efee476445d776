#!/usr/bin/env node
/**
 * Benchmark 1: status polls. Requests/s of an authenticated `GET /v1/tasks/{id}` on a
 * succeeded noop task that wrote a file (so every poll signs a fresh file URL), against a
 * bare Fastify 5 route returning the same JSON with the same logging.
 *
 * Both servers run in their own child processes with stdout (their log) on /dev/null; one
 * load generator (lib/loadgen.mjs, its own process) drives each in turn with the same
 * connections and duration, interleaved A B A B to spread the machine's noise over both.
 * Each round pairs a genq run with the baseline run right after it; the headline ratio is the
 * median of those per-round ratios (pairing cancels the drift of a shared machine's load).
 * The server's CPU time per request is printed too: on a busy machine it is a steadier
 * signal of cost than requests/s, and its inverse ratio is shown as a cross-check.
 */
import { ensureBuilt, startChild, runLoad, cpuMeter, tmpDir, table, fmt, median, ratioLine, machineLine } from './lib/common.mjs';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 3000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WARMUP_MS = 1000;

ensureBuilt();
console.log(`# status-poll: GET /v1/tasks/{id} vs bare Fastify (${machineLine()})`);
console.log(`  ${CONNECTIONS} keep-alive connections, ${DURATION_MS / 1000} s per run, ${ROUNDS} rounds of genq then baseline, ${WARMUP_MS / 1000} s warm-up each`);

const genq = startChild('genq-server.mjs', [JSON.stringify({ dataDir: tmpDir('poll'), role: 'all' })]);
const { url, key } = await genq.ready;
const auth = { authorization: `Bearer ${key}` };

// one succeeded task with a file, waited for with a long-poll
const created = await (await fetch(`${url}/v1/tasks`, {
  method: 'POST',
  headers: { ...auth, 'content-type': 'application/json' },
  body: JSON.stringify({ capability: 'voice', action: 'tts', model: 'noop', input: { write_file: true, text: 'hello' } }),
})).json();
const doneRes = await fetch(`${url}/v1/tasks/${created.id}`, { headers: { ...auth, prefer: 'wait=10' } });
const doneText = await doneRes.text();
const done = JSON.parse(doneText);
if (done.status !== 'succeeded' || !done.result?.files?.[0]?.url) {
  console.error('setup failed: the noop task did not succeed with a file', doneText);
  await genq.stop();
  process.exit(1);
}
console.log(`  task ${done.id}: ${done.status}, response ${doneText.length} bytes, file URL signed per poll`);

const base = startChild('bare-fastify.mjs', [JSON.stringify({ body: done })]);
const { url: baseUrl } = await base.ready;
const baseSample = await (await fetch(`${baseUrl}/v1/tasks/${done.id}`)).text();
console.log(`  baseline response ${baseSample.length} bytes`);

const targets = {
  genq: { child: genq, load: { url: `${url}/v1/tasks/${done.id}`, headers: auth } },
  'bare fastify': { child: base, load: { url: `${baseUrl}/v1/tasks/${done.id}`, headers: {} } },
};

const results = { genq: [], 'bare fastify': [] };
const cpuPerReq = { genq: [], 'bare fastify': [] };
const rows = [];
for (let round = 1; round <= ROUNDS; round++) {
  for (const [name, t] of Object.entries(targets)) {
    const meter = cpuMeter(t.child);
    await meter.start();
    const r = await runLoad({ ...t.load, method: 'GET', connections: CONNECTIONS, durationMs: DURATION_MS, warmupMs: WARMUP_MS });
    const serverCpu = await meter.read();
    results[name].push(r.rps);
    // the meter spans warm-up and measurement; requests/s over the window is the best estimate of both
    const usPerReq = (serverCpu / r.rps) * 1e6;
    cpuPerReq[name].push(usPerReq);
    rows.push([round, name, fmt(r.rps), fmt(r.latency_ms.p50, 2), fmt(r.latency_ms.p99, 2), `${fmt(serverCpu * 100)}%`, fmt(usPerReq), `${fmt(r.client_cpu * 100)}%`, r.non2xx + r.errors]);
  }
  const i = results.genq.length - 1;
  rows.push(['', 'ratio', (results.genq[i] / results['bare fastify'][i]).toFixed(2), '', '', '', (cpuPerReq['bare fastify'][i] / cpuPerReq.genq[i]).toFixed(2), '', '']);
}
console.log();
table(['round', 'server', 'req/s', 'p50 ms', 'p99 ms', 'server cpu', 'cpu us/req', 'client cpu', 'bad'], rows);

await genq.stop();
await base.stop();

const g = median(results.genq);
const b = median(results['bare fastify']);
const paired = median(results.genq.map((x, i) => x / results['bare fastify'][i]));
const cg = median(cpuPerReq.genq);
const cb = median(cpuPerReq['bare fastify']);
console.log();
console.log(`  median genq ${fmt(g)} req/s, median bare Fastify ${fmt(b)} req/s (ratio of medians ${(g / b).toFixed(2)})`);
console.log(`  server CPU per request: genq ${fmt(cg)} us, bare Fastify ${fmt(cb)} us (cost ratio bare/genq ${(cb / cg).toFixed(2)})`);
ratioLine('status-poll genq/bare-fastify', paired, 0.8, `(median of ${ROUNDS} paired rounds; ${fmt(g)} vs ${fmt(b)} req/s)`);
