#!/usr/bin/env node
/**
 * Dialect status polls: requests/s of each vendor dialect's status endpoint against the native
 * `GET /v1/tasks/{id}`, on the same server and the same task, in the same run (goal ≥ 0.9×).
 *
 * One genq child process (lib/genq-server.mjs, real logger to /dev/null); the task is a
 * succeeded noop task that wrote a file, so every poll that shows a URL signs a fresh one. The
 * load generator (lib/loadgen.mjs) runs in its own process. Each round polls native, then every
 * dialect, so the machine's drift spreads over all of them; ratios are of the medians.
 */
import { ensureBuilt, startChild, runLoad, cpuMeter, tmpDir, table, fmt, median, ratioLine, machineLine } from './lib/common.mjs';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 4000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP_MS = 1000;
const GOAL = 0.9;

ensureBuilt();
console.log(`# dialects-poll: each dialect's status endpoint vs native GET /v1/tasks/{id} (${machineLine()})`);
console.log(`  ${CONNECTIONS} keep-alive connections, ${DURATION_MS / 1000} s per run, ${ROUNDS} rounds, ${WARMUP_MS / 1000} s warm-up each`);

const genq = startChild('genq-server.mjs', [JSON.stringify({ dataDir: tmpDir('dialects'), role: 'all' })]);
const { url, key } = await genq.ready;
const bearer = { authorization: `Bearer ${key}` };

const created = await (await fetch(`${url}/v1/tasks`, {
  method: 'POST',
  headers: { ...bearer, 'content-type': 'application/json' },
  body: JSON.stringify({ capability: 'voice', action: 'tts', model: 'noop', input: { write_file: true, text: 'hello' } }),
})).json();
const done = await (await fetch(`${url}/v1/tasks/${created.id}`, { headers: { ...bearer, prefer: 'wait=10' } })).json();
if (done.status !== 'succeeded' || !done.result?.files?.[0]?.url) {
  console.error('setup failed: the noop task did not succeed with a file', JSON.stringify(done));
  await genq.stop();
  process.exit(1);
}
const id = done.id;

const targets = {
  native: { path: `/v1/tasks/${id}`, headers: bearer },
  'finevoice /v1/task': { path: `/finevoice/v1/task/${id}`, headers: bearer },
  'finevoice /v1/tasks': { path: `/finevoice/v1/tasks/${id}`, headers: bearer },
  aiclone: { path: `/aiclone/api/v2/tasks/${id}`, headers: bearer },
  modelhunter: { path: `/modelhunter/api/v1/tasks/${id}`, headers: bearer },
  'camb /tts': { path: `/camb/tts/${id}`, headers: { 'x-api-key': key } },
};
for (const [name, t] of Object.entries(targets)) {
  const res = await fetch(url + t.path, { headers: t.headers });
  const text = await res.text();
  if (res.status !== 200) {
    console.error(`setup failed: ${name} answered ${res.status}: ${text}`);
    await genq.stop();
    process.exit(1);
  }
  console.log(`  ${name.padEnd(20)} ${String(text.length).padStart(5)} bytes`);
}

const results = Object.fromEntries(Object.keys(targets).map((k) => [k, []]));
const rows = [];
for (let round = 1; round <= ROUNDS; round++) {
  for (const [name, t] of Object.entries(targets)) {
    const meter = cpuMeter(genq);
    await meter.start();
    const r = await runLoad({ url: url + t.path, headers: t.headers, method: 'GET', connections: CONNECTIONS, durationMs: DURATION_MS, warmupMs: WARMUP_MS });
    const serverCpu = await meter.read();
    results[name].push(r.rps);
    rows.push([round, name, fmt(r.rps), fmt(r.latency_ms.p50, 2), fmt(r.latency_ms.p99, 2), `${fmt(serverCpu * 100)}%`, `${fmt(r.client_cpu * 100)}%`, r.non2xx + r.errors]);
  }
}
console.log();
table(['round', 'endpoint', 'req/s', 'p50 ms', 'p99 ms', 'server cpu', 'client cpu', 'bad'], rows);
await genq.stop();

const native = median(results.native);
console.log();
console.log(`  median native ${fmt(native)} req/s`);
for (const name of Object.keys(targets).filter((n) => n !== 'native')) {
  const m = median(results[name]);
  ratioLine(`dialects-poll ${name}/native`, m / native, GOAL, `(${fmt(m)} vs ${fmt(native)} req/s)`);
}
