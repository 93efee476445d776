#!/usr/bin/env node
/**
 * Voice benchmark (`node bench/voice.mjs`, after `npm run build`). In one run:
 *  1. real-time factor (synthesis time ÷ audio duration) of each local engine, called bare
 *     in this process (warm, no genq around it), for a 60-word paragraph;
 *  2. genq's end-to-end voice/tts task time (POST /v1/tasks → long-poll until succeeded,
 *     through queue, worker pool, encoding and storage) against that bare espeak-ng time;
 *     goal: ≤ 1.3× the bare engine (printed as bare ÷ genq ≥ 0.77);
 *  3. POST /v1/tts/stream on a 300-word text: time to the first audio byte against the time
 *     to synthesize the whole text bare (one espeak-ng call) and as a genq task.
 * Medians of BENCH_ROUNDS (default 7) after one warm-up each.
 */
import { ensureBuilt, machineLine, median, ratioLine, startChild, table, tmpDir, fmt } from './lib/common.mjs';

ensureBuilt();
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const { default: espeak } = await import('../dist/providers/espeak/synth-worker.js');
const { runFlite } = await import('../dist/providers/flite/flite-run.js');
const { decodeWaveToFloat32Channels } = await import('@echogarden/wave-codec');

// 60 words
const PARAGRAPH = 'The old lighthouse keeper climbed the spiral stairs every evening at dusk. He polished the great lens, '
  + 'trimmed the wick, and watched the ships pass safely beyond the rocks. Nobody in the village remembered when he '
  + 'had arrived, but everyone agreed that the coast had never been safer than during his long and quiet watch over the cold grey sea.';
if (PARAGRAPH.split(/\s+/).length !== 60) throw new Error('the paragraph must have 60 words');
// for the stream: five paragraphs (300 words). An espeak-ng WASM call costs ~the same for one
// sentence as for 60 words (instantiation dominates), so streaming pays off on longer text.
const LONG = Array(5).fill(PARAGRAPH).join('\n\n');
const seconds = (wav) => {
  const d = decodeWaveToFloat32Channels(wav);
  return d.audioChannels[0].length / d.sampleRate;
};

async function timeIt(fn) {
  await fn(); // warm-up: compiled wasm, first instantiation
  const ms = [];
  let out;
  for (let i = 0; i < ROUNDS; i++) {
    const t = performance.now();
    out = await fn();
    ms.push(performance.now() - t);
  }
  return { ms: median(ms), out };
}

console.log(`voice benchmark — ${machineLine()}, ${ROUNDS} rounds`);

// 1. bare engines
const bare = {};
const engines = [
  ['espeak-ng (WASM)', async () => (await espeak({ text: PARAGRAPH, voice: 'en-us', wpm: 175, pitch: 50 })).wav],
  ['flite slt (WASI)', () => runFlite({ text: PARAGRAPH, voice: 'slt', durationStretch: 1 })],
  ['flite kal16 (WASI)', () => runFlite({ text: PARAGRAPH, voice: 'kal16', durationStretch: 1 })],
];
const rows = [];
for (const [name, fn] of engines) {
  const { ms, out } = await timeIt(fn);
  const audio = seconds(out);
  bare[name] = { ms, audio };
  rows.push([name, fmt(ms), fmt(audio, 2), fmt(ms / 1000 / audio, 3), fmt(audio / (ms / 1000), 1) + '×']);
}
console.log('\n1. engines, bare, 60-word paragraph');
table(['engine', 'synth ms', 'audio s', 'RTF', 'faster than real time'], rows);

// 2 & 3: through a genq server
const server = startChild('genq-server.mjs', [JSON.stringify({ dataDir: tmpDir('voice'), concurrency: 4, logLevel: 'warn' })]);
const { url, key } = await server.ready;
const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };

async function e2e(format, text = PARAGRAPH) {
  const t = performance.now();
  const created = await (await fetch(`${url}/v1/tasks`, {
    method: 'POST', headers: auth, body: JSON.stringify({ capability: 'voice', action: 'tts', input: { text, voice: 'en-us-male-1', format } }),
  })).json();
  for (;;) {
    const task = await (await fetch(`${url}/v1/tasks/${created.id}`, { headers: { ...auth, prefer: 'wait=30' } })).json();
    if (task.status === 'succeeded') return performance.now() - t;
    if (['failed', 'timed_out', 'cancelled', 'expired'].includes(task.status)) throw new Error(`task ${task.status}: ${JSON.stringify(task.error)}`);
  }
}

async function stream(format) {
  const t = performance.now();
  const res = await fetch(`${url}/v1/tts/stream`, { method: 'POST', headers: auth, body: JSON.stringify({ input: { text: LONG, format } }) });
  if (res.status !== 200) throw new Error(`stream answered ${res.status}: ${await res.text()}`);
  const reader = res.body.getReader();
  let first = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (!first && value.length) first = performance.now() - t;
  }
  return { first, total: performance.now() - t };
}

const espeakBare = bare['espeak-ng (WASM)'].ms;
const e2eRows = [];
const lines = [];
for (const format of ['wav', 'mp3', 'ogg']) {
  const { ms } = await timeIt(() => e2e(format));
  e2eRows.push([format, fmt(espeakBare), fmt(ms), fmt(ms / espeakBare, 2) + '×']);
  if (format === 'wav') lines.push(['e2e-tts-wav', espeakBare / ms, ms]);
}
console.log('\n2. genq end-to-end voice/tts task vs the bare engine (same paragraph, same run)');
table(['format', 'bare espeak ms', 'genq task ms', 'genq ÷ bare'], e2eRows);

const longBare = (await timeIt(async () => (await espeak({ text: LONG, voice: 'en-us', wpm: 175, pitch: 50 })).wav)).ms;
const longTask = (await timeIt(() => e2e('wav', LONG))).ms;
const streamRows = [];
for (const format of ['wav', 'mp3']) {
  const firsts = [];
  const totals = [];
  await stream(format);
  for (let i = 0; i < ROUNDS; i++) {
    const r = await stream(format);
    firsts.push(r.first);
    totals.push(r.total);
  }
  streamRows.push([format, fmt(median(firsts)), fmt(median(totals)), fmt(longBare), fmt(longTask), fmt(median(firsts) / longBare, 2)]);
  if (format === 'wav') lines.push(['stream-ttfb', longBare / median(firsts), median(firsts)]);
}
console.log('\n3. POST /v1/tts/stream, 300 words: time to first byte vs whole synthesis');
table(['format', 'first byte ms', 'stream done ms', 'bare full synth ms', 'genq task ms', 'first byte ÷ bare full'], streamRows);
await server.stop();

console.log('');
for (const [name, ratio, ms] of lines) {
  if (name === 'e2e-tts-wav') ratioLine('voice e2e (bare espeak ÷ genq tts task)', ratio, 1 / 1.3, `(genq ${fmt(ms)} ms vs bare ${fmt(espeakBare)} ms; goal: genq ≤ 1.3× bare)`);
  else ratioLine('voice stream (bare full synthesis ÷ first byte, 300 words)', ratio, 1.5, `(first byte ${fmt(ms)} ms vs bare full ${fmt(longBare)} ms)`);
}
