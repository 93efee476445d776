/**
 * Test helpers for the local voice providers: a fake provider context that keeps written
 * files and voices in memory, and an audio ruler that does not use genq's own analysis:
 * files are decoded with the codec libraries directly, and pitch is tracked with
 * pitchfinder's YIN on frames of its own choosing.
 */
import { execFileSync } from 'node:child_process';
import { decodeWaveToFloat32Channels } from '@echogarden/wave-codec';
import { MPEGDecoder } from 'mpg123-decoder';
import { OggVorbisDecoder } from '@wasm-audio-decoders/ogg-vorbis';
import Pitchfinder from 'pitchfinder';
import type { AccountVoice, FileToWrite, Provider, ProviderContext } from '../../dist/providers/provider.js';
import type { Task } from '../../dist/core/task.js';

export interface Decoded {
  rate: number;
  samples: Float32Array;
  seconds: number;
}

export async function decodeFile(format: string, bytes: Uint8Array): Promise<Decoded> {
  let rate: number;
  let samples: Float32Array;
  if (format === 'wav') {
    const raw = decodeWaveToFloat32Channels(bytes);
    rate = raw.sampleRate;
    samples = raw.audioChannels[0]!;
  } else if (format === 'mp3') {
    const d = new MPEGDecoder();
    await d.ready;
    const out = d.decode(bytes);
    d.free();
    if (out.errors.length) throw new Error(`mp3 decode errors: ${out.errors.map((e) => e.message).join('; ')}`);
    rate = out.sampleRate;
    samples = out.channelData[0]!.subarray(0, out.samplesDecoded);
  } else if (format === 'ogg') {
    const d = new OggVorbisDecoder();
    await d.ready;
    const out = await d.decodeFile(bytes);
    d.free();
    if (out.errors.length) throw new Error(`ogg decode errors: ${out.errors.map((e) => e.message).join('; ')}`);
    rate = out.sampleRate;
    samples = out.channelData[0]!.subarray(0, out.samplesDecoded);
  } else throw new Error(`no decoder for ${format}`);
  return { rate, samples, seconds: samples.length / rate };
}

/** sox, when the machine has it (.ci/run installs it): a second, unrelated decoder. */
export const hasSox = (() => {
  try {
    execFileSync('sox', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Duration in seconds as sox reads the file. */
export function soxSeconds(format: string, bytes: Uint8Array): number {
  // `stat` reports on stderr
  const r = execFileSync('sh', ['-c', `sox -t ${format} - -n stat 2>&1`], { input: bytes }).toString();
  const m = /Length \(seconds\):\s+([\d.]+)/.exec(r);
  if (!m) throw new Error(`sox could not read the ${format} file: ${r}`);
  return Number(m[1]);
}

const rms = (x: Float32Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / Math.max(1, x.length));

/** Median F0 of the loud frames, pitchfinder YIN over 2048-sample frames (resampling-free). */
export function medianF0(d: Decoded): number {
  const frame = d.rate >= 32000 ? 4096 : 2048;
  const hop = Math.round(d.rate * 0.02);
  const detect = Pitchfinder.YIN({ sampleRate: d.rate, threshold: 0.15 });
  const loud = rms(d.samples) * 0.3;
  const f0s: number[] = [];
  for (let i = 0; i + frame <= d.samples.length; i += hop) {
    const x = d.samples.subarray(i, i + frame);
    if (rms(x) < loud) continue;
    const p = detect(x);
    if (p && p > 45 && p < 700) f0s.push(p);
  }
  if (f0s.length < 5) throw new Error('no pitch found');
  f0s.sort((a, b) => a - b);
  return f0s[f0s.length >> 1]!;
}

export interface FakeWorld {
  files: FileToWrite[];
  voices: Map<string, AccountVoice>;
  uploads: Map<string, Uint8Array>;
  progress: number[];
  ctx(signal?: AbortSignal): ProviderContext;
}

export function fakeWorld(): FakeWorld {
  const world: FakeWorld = {
    files: [],
    voices: new Map(),
    uploads: new Map(),
    progress: [],
    ctx: (signal = new AbortController().signal) => ({
      signal,
      progress: (p) => world.progress.push(p),
      log: { info() {}, warn() {}, error() {}, debug() {} },
      writeFile: async (f) => {
        world.files.push(f);
        return { key: `acct/task/${f.name}`, format: f.format, content_type: f.content_type, size_bytes: f.data.length, duration_s: f.duration_s ?? null };
      },
      account: {
        getVoice: async (id) => world.voices.get(id) ?? null,
        readUpload: async (id) => world.uploads.get(id) ?? null,
      },
    }),
  };
  return world;
}

let seq = 0;

/** validate → validateForAccount → run, the way the core and the worker call a provider. */
export async function runTask(world: FakeWorld, provider: Provider, modelId: string, input: Record<string, unknown>) {
  const model = provider.models.find((m) => m.id === modelId)!;
  let normalised = provider.validate(model, input);
  if (provider.validateForAccount) normalised = await provider.validateForAccount(model, normalised, world.ctx().account!);
  const task = { id: `0190f000-0000-7000-8000-${String(++seq).padStart(12, '0')}`, model: modelId, input: normalised, attempts: 1 } as unknown as Task;
  const first = world.files.length;
  const out = await provider.run(task, world.ctx());
  for (const v of out.voices ?? []) world.voices.set(v.id, v);
  return { out, files: world.files.slice(first), task };
}

export const wavDataUri = (bytes: Uint8Array) => `data:audio/wav;base64,${Buffer.from(bytes).toString('base64')}`;

export const words = (text: string) => text.split(/\s+/).filter(Boolean).length;
