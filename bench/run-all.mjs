#!/usr/bin/env node
/**
 * Runs every benchmark in sequence (each in its own process) and prints a summary of their
 * RATIO lines. `npm run bench`, or `node bench/run-all.mjs status-poll latency` for a subset.
 * Build first (`npm run build`): the benchmarks import genq from dist/.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { BENCH_DIR, ensureBuilt, machineLine } from './lib/common.mjs';

const ALL = ['status-poll', 'create-throughput', 'e2e-throughput', 'latency', 'trust-cost'];
const picked = process.argv.slice(2).length ? process.argv.slice(2) : ALL;
for (const p of picked) {
  if (!ALL.includes(p)) {
    console.error(`unknown benchmark "${p}"; choose from ${ALL.join(', ')}`);
    process.exit(2);
  }
}
ensureBuilt();

const started = Date.now();
const summary = [];
let failed = 0;
for (const name of picked) {
  console.log(`\n=== ${name} ===`);
  const t0 = Date.now();
  const lines = [];
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(BENCH_DIR, `${name}.mjs`)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    child.stdout.on('data', (d) => {
      process.stdout.write(d);
      buf += d;
      const parts = buf.split('\n');
      buf = parts.pop();
      lines.push(...parts);
    });
    child.on('close', (c) => {
      if (buf) lines.push(buf);
      resolve(c);
    });
  });
  const secs = ((Date.now() - t0) / 1000).toFixed(0);
  if (code !== 0) {
    failed++;
    summary.push(`${name}: FAILED (exit ${code}) after ${secs} s`);
  } else {
    for (const l of lines.filter((l) => l.startsWith('RATIO '))) summary.push(l.slice(6));
    summary.push(`  (${name} took ${secs} s)`);
  }
}

console.log(`\n=== summary (${machineLine()}, ${((Date.now() - started) / 1000).toFixed(0)} s) ===`);
for (const s of summary) console.log(s);
process.exit(failed ? 1 : 0);
