/**
 * Sample-rate conversion with the Speex resampler (BSD, WASM build from
 * @echogarden/speex-resampler-wasm). Used where a codec or an analysis wants a given rate.
 */
// @ts-expect-error: the emscripten factory ships without typings
import SpeexResamplerFactory from '@echogarden/speex-resampler-wasm';
import type { Audio } from './audio.js';

interface SpeexModule {
  HEAPF32: Float32Array;
  HEAPU32: Uint32Array;
  HEAP32: Int32Array;
  _malloc(n: number): number;
  _free(p: number): void;
  _speex_resampler_init(channels: number, inRate: number, outRate: number, quality: number, errPtr: number): number;
  _speex_resampler_process_float(st: number, channel: number, inPtr: number, inLenPtr: number, outPtr: number, outLenPtr: number): number;
  _speex_resampler_skip_zeros(st: number): number;
  _speex_resampler_get_input_latency(st: number): number;
  _speex_resampler_destroy(st: number): void;
}

let speex: Promise<SpeexModule> | undefined;
const module = () => (speex ??= (SpeexResamplerFactory as () => Promise<SpeexModule>)());

const BLOCK = 16384;

export async function resample(audio: Audio, outRate: number, quality = 7): Promise<Audio> {
  if (audio.sampleRate === outRate) return audio;
  const m = await module();
  const err = m._malloc(4);
  const st = m._speex_resampler_init(1, audio.sampleRate, outRate, quality, err);
  if (!st) {
    m._free(err);
    throw new Error(`the resampler refused ${audio.sampleRate} → ${outRate} Hz`);
  }
  const ratio = outRate / audio.sampleRate;
  const outBlock = Math.ceil(BLOCK * ratio) + 64;
  const inPtr = m._malloc(BLOCK * 4);
  const outPtr = m._malloc(outBlock * 4);
  const lens = m._malloc(8);
  const latency = m._speex_resampler_get_input_latency(st);
  m._speex_resampler_skip_zeros(st);
  // pad the end with the filter's latency in zeros so the last samples come out
  const input = new Float32Array(audio.samples.length + latency);
  input.set(audio.samples);
  const out = new Float32Array(Math.ceil(audio.samples.length * ratio) + outBlock);
  let read = 0;
  let written = 0;
  try {
    while (read < input.length) {
      const n = Math.min(BLOCK, input.length - read);
      m.HEAPF32.set(input.subarray(read, read + n), inPtr >> 2);
      m.HEAPU32[lens >> 2] = n;
      m.HEAPU32[(lens >> 2) + 1] = outBlock;
      m._speex_resampler_process_float(st, 0, inPtr, lens, outPtr, lens + 4);
      const consumed = m.HEAPU32[lens >> 2]!;
      const produced = m.HEAPU32[(lens >> 2) + 1]!;
      out.set(m.HEAPF32.subarray(outPtr >> 2, (outPtr >> 2) + produced), written);
      written += produced;
      read += consumed;
      if (consumed === 0 && produced === 0) break;
    }
  } finally {
    m._speex_resampler_destroy(st);
    for (const p of [err, inPtr, outPtr, lens]) m._free(p);
  }
  const expected = Math.round(audio.samples.length * ratio);
  return { sampleRate: outRate, samples: out.slice(0, Math.min(written, expected)) };
}
