/**
 * Real synthesis through the worker pool, judged by analysing the audio rather than by
 * trusting the provider's own numbers. Needs `npm run build` (the worker runs from dist/).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createEspeakProvider } from '../../dist/providers/espeak/index.js';
import type { FileToWrite, ProviderContext } from '../../dist/providers/provider.js';
import type { Task } from '../../dist/core/task.js';

const provider = createEspeakProvider({ maxThreads: 2 });
afterAll(() => provider.close?.());
const model = provider.models[0]!;

interface Run {
  file: FileToWrite;
  progress: number[];
  output: Awaited<ReturnType<typeof provider.run>>;
}

async function speak(input: Record<string, unknown>, signal = new AbortController().signal, onProgress?: (p: number) => void): Promise<Run> {
  const progress: number[] = [];
  let file: FileToWrite | undefined;
  const ctx: ProviderContext = {
    signal,
    progress: (p) => {
      progress.push(p);
      onProgress?.(p);
    },
    writeFile: async (f) => {
      file = f;
      return { key: 'k/speech.wav', format: f.format, content_type: f.content_type, size_bytes: f.data.length, duration_s: f.duration_s };
    },
    log: { info() {}, warn() {}, error() {}, debug() {} },
  };
  const task = { id: 't1', input: provider.validate(model, input) } as unknown as Task;
  const output = await provider.run(task, ctx);
  return { file: file!, progress, output };
}

/** An independent WAV reader: walks the RIFF chunks and returns samples as -1..1. */
function decode(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  expect(tag(0)).toBe('RIFF');
  expect(tag(8)).toBe('WAVE');
  expect(view.getUint32(4, true)).toBe(bytes.length - 8);
  let fmt: { format: number; channels: number; rate: number; bits: number } | undefined;
  for (let at = 12; at + 8 <= bytes.length; ) {
    const size = view.getUint32(at + 4, true);
    if (tag(at) === 'fmt ') {
      fmt = { format: view.getUint16(at + 8, true), channels: view.getUint16(at + 10, true), rate: view.getUint32(at + 12, true), bits: view.getUint16(at + 22, true) };
    } else if (tag(at) === 'data') {
      expect(at + 8 + size).toBe(bytes.length);
      const samples = new Float32Array(size / 2);
      for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(at + 8 + i * 2, true) / 32768;
      return { fmt: fmt!, samples, seconds: samples.length / fmt!.rate };
    }
    at += 8 + size + (size & 1);
  }
  throw new Error('no data chunk');
}

const rms = (x: Float32Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / Math.max(1, x.length));

/** Median F0 of the voiced frames, by normalised autocorrelation over 60..500 Hz. */
function medianF0(samples: Float32Array, rate: number): number {
  const frame = Math.round(rate * 0.04);
  const hop = Math.round(rate * 0.02);
  const loud = rms(samples) * 0.5;
  const f0s: number[] = [];
  for (let start = 0; start + frame <= samples.length; start += hop) {
    const x = samples.subarray(start, start + frame);
    if (rms(x) < loud) continue;
    let energy = 0;
    for (const v of x) energy += v * v;
    let best = 0;
    let bestLag = 0;
    for (let lag = Math.floor(rate / 500); lag <= Math.ceil(rate / 60); lag++) {
      let c = 0;
      for (let i = 0; i + lag < x.length; i++) c += x[i]! * x[i + lag]!;
      if (c / energy > best) [best, bestLag] = [c / energy, lag];
    }
    if (best > 0.5) f0s.push(rate / bestLag);
  }
  f0s.sort((a, b) => a - b);
  return f0s[Math.floor(f0s.length / 2)] ?? 0;
}

const SENTENCE = 'The quick brown fox jumps over the lazy dog.';

describe('espeak-ng synthesis', () => {
  it('speaks a sentence into a valid, audible WAV', async () => {
    const { file, progress, output } = await speak({ text: SENTENCE });
    const wav = decode(file.data);
    expect(wav.fmt).toEqual({ format: 1, channels: 1, rate: 22050, bits: 16 });
    expect(wav.seconds).toBeGreaterThan(1);
    expect(wav.seconds).toBeLessThan(6);
    expect(file.duration_s).toBeCloseTo(wav.seconds, 3);
    expect(rms(wav.samples)).toBeGreaterThan(0.02);
    expect(file).toMatchObject({ name: 'speech.wav', format: 'wav', content_type: 'audio/wav' });
    expect(output.result.files).toEqual([{ key: 'k/speech.wav', format: 'wav', content_type: 'audio/wav', size_bytes: file.data.length, duration_s: file.duration_s }]);
    expect(output.credits).toBe(1);
    expect(progress).toEqual([1]);
  }, 30_000);

  it('speaks text that starts with "-" instead of reading it as an option', async () => {
    const { file } = await speak({ text: '-v minus sign first' });
    expect(rms(decode(file.data).samples)).toBeGreaterThan(0.02);
  }, 30_000);

  it('speaks other languages', async () => {
    const { file } = await speak({ text: 'Guten Tag, wie geht es Ihnen heute?', voice: 'de-de-female-1' });
    const wav = decode(file.data);
    expect(wav.seconds).toBeGreaterThan(1);
    expect(rms(wav.samples)).toBeGreaterThan(0.02);
  }, 30_000);

  it('makes slow speech longer than fast speech', async () => {
    const slow = decode((await speak({ text: SENTENCE, speed: 0.5 })).file.data).seconds;
    const fast = decode((await speak({ text: SENTENCE, speed: 2 })).file.data).seconds;
    expect(slow).toBeGreaterThan(fast * 2);
  }, 30_000);

  it('raises the measured F0 when pitch goes up', async () => {
    const low = decode((await speak({ text: SENTENCE, pitch: 0.5 })).file.data);
    const high = decode((await speak({ text: SENTENCE, pitch: 2 })).file.data);
    const f0Low = medianF0(low.samples, low.fmt.rate);
    const f0High = medianF0(high.samples, high.fmt.rate);
    expect(f0Low).toBeGreaterThan(60);
    expect(f0High).toBeGreaterThan(f0Low * 1.2);
  }, 30_000);

  it('speaks a female voice higher than a male one', async () => {
    const male = decode((await speak({ text: SENTENCE, voice: 'en-us-male-1' })).file.data);
    const female = decode((await speak({ text: SENTENCE, voice: 'en-us-female-1' })).file.data);
    expect(medianF0(female.samples, 22050)).toBeGreaterThan(medianF0(male.samples, 22050) * 1.3);
  }, 30_000);

  it('reports progress chunk by chunk for long text, ending at 1', async () => {
    const text = Array.from({ length: 30 }, (_, i) => `This is sentence ${i + 1} of a long story about a quiet harbour town.`).join(' ');
    const { file, progress, output } = await speak({ text });
    expect(progress.length).toBeGreaterThanOrEqual(4);
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThan(progress[i - 1]!);
    expect(progress.at(-1)).toBe(1);
    const wav = decode(file.data);
    expect(wav.seconds).toBeGreaterThan(60);
    expect(rms(wav.samples)).toBeGreaterThan(0.02);
    expect(output.credits).toBe(Math.ceil(text.length / 100));
  }, 60_000);

  it('rejects with an AbortError when aborted between chunks', async () => {
    const text = Array.from({ length: 30 }, (_, i) => `Sentence ${i + 1} keeps the engine busy for a while longer.`).join(' ');
    const controller = new AbortController();
    const seen: number[] = [];
    const run = speak({ text }, controller.signal, (p) => {
      seen.push(p);
      controller.abort();
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toHaveLength(1);
  }, 30_000);

  it('rejects with the signal\'s own reason while a chunk is in flight', async () => {
    const controller = new AbortController();
    const run = speak({ text: 'A sentence that takes a moment to synthesize. '.repeat(20) }, controller.signal);
    setTimeout(() => controller.abort(new Error('client cancelled')), 20);
    await expect(run).rejects.toThrow('client cancelled');
  }, 30_000);

  it('rejects at once when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(speak({ text: SENTENCE }, controller.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });
});
