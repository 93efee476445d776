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
 * Medians of BENCH_ROUNDS (default 7) after one warm-up each; 2 and 3 pair each genq round
 * with a baseline round right before it, because the machine's load drifts.
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
  // resolves when the whole answer is read; `first` is the time to its first audio byte
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

/**
 * The machine is shared, so load swings between seconds: each round measures the baseline and
 * genq back to back, and the ratio reported is the median of the per-round ratios.
 */
async function paired(baseline, subject) {
  await baseline();
  await subject();
  const ratios = [];
  const a = [];
  const b = [];
  for (let i = 0; i < ROUNDS; i++) {
    let t = performance.now();
    await baseline();
    const x = performance.now() - t;
    t = performance.now();
    const y = await subject();
    const ms = typeof y === 'number' ? y : performance.now() - t;
    a.push(x);
    b.push(ms);
    ratios.push(ms / x);
  }
  return { base: median(a), subject: median(b), ratio: median(ratios) };
}

const bareParagraph = () => espeak({ text: PARAGRAPH, voice: 'en-us', wpm: 175, pitch: 50 });
const e2eRows = [];
const lines = [];
for (const format of ['wav', 'mp3', 'ogg']) {
  const r = await paired(bareParagraph, () => e2e(format));
  e2eRows.push([format, fmt(r.base), fmt(r.subject), fmt(r.ratio, 2) + '×']);
  if (format === 'wav') lines.push(['e2e-tts-wav', r]);
}
console.log('\n2. genq end-to-end voice/tts task vs the bare engine (same paragraph, paired rounds)');
table(['format', 'bare espeak ms', 'genq task ms', 'genq ÷ bare (median of rounds)'], e2eRows);

const bareLong = () => espeak({ text: LONG, voice: 'en-us', wpm: 175, pitch: 50 });
const longTask = await paired(bareLong, () => e2e('wav', LONG));
const streamRows = [];
for (const format of ['wav', 'mp3']) {
  const r = await paired(bareLong, async () => (await stream(format)).first);
  streamRows.push([format, fmt(r.subject), fmt(r.base), fmt(longTask.subject), fmt(r.ratio, 2)]);
  if (format === 'wav') lines.push(['stream-ttfb', r]);
}
console.log('\n3. POST /v1/tts/stream, 300 words: time to first byte vs whole synthesis (paired rounds)');
table(['format', 'first byte ms', 'bare full synth ms', 'genq task ms', 'first byte ÷ bare full'], streamRows);
await server.stop();

console.log('');
for (const [name, r] of lines) {
  if (name === 'e2e-tts-wav') ratioLine('voice e2e (bare espeak ÷ genq tts task)', 1 / r.ratio, 1 / 1.3, `(genq ${fmt(r.subject)} ms vs bare ${fmt(r.base)} ms; goal: genq ≤ 1.3× bare)`);
  else ratioLine('voice stream (bare full synthesis ÷ first byte, 300 words)', 1 / r.ratio, 1.5, `(first byte ${fmt(r.subject)} ms vs bare full ${fmt(r.base)} ms)`);
}
