/**
 * The one in-memory audio shape genq's voice code passes around: mono, 32-bit float
 * samples in -1..1. Engines write 16-bit WAV, uploads come as WAV/MP3/Ogg; everything is
 * turned into this first and encoded again only at the end.
 */
export interface Audio {
  sampleRate: number;
  samples: Float32Array;
}

export const durationOf = (a: Audio) => a.samples.length / a.sampleRate;

export function concatAudio(parts: Audio[]): Audio {
  if (parts.length === 0) throw new Error('no audio to join');
  const rate = parts[0]!.sampleRate;
  if (parts.some((p) => p.sampleRate !== rate)) throw new Error('cannot join audio of different sample rates');
  const out = new Float32Array(parts.reduce((n, p) => n + p.samples.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p.samples, at);
    at += p.samples.length;
  }
  return { sampleRate: rate, samples: out };
}

/** Averages the channels into one. */
export function mixToMono(channels: Float32Array[]): Float32Array {
  if (channels.length === 0) return new Float32Array(0);
  if (channels.length === 1) return channels[0]!;
  const out = new Float32Array(channels[0]!.length);
  for (const ch of channels) for (let i = 0; i < out.length; i++) out[i]! += ch[i]! / channels.length;
  return out;
}

export function rms(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / Math.max(1, x.length));
}

/** Float samples to 16-bit little-endian PCM, clipped. */
export function toInt16Bytes(x: Float32Array): Uint8Array {
  const pcm = new Int16Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    pcm[i] = v >= 1 ? 0x7fff : v <= -1 ? -0x8000 : v < 0 ? v * 0x8000 : v * 0x7fff;
  }
  // Int16Array is platform-endian; every platform Node runs genq on is little-endian
  return new Uint8Array(pcm.buffer);
}

/** Scales the audio so its peak sits at `peak` (no-op on silence); pitch shifting can clip. */
export function normalisePeak(a: Audio, peak = 0.9): Audio {
  let max = 0;
  for (let i = 0; i < a.samples.length; i++) max = Math.max(max, Math.abs(a.samples[i]!));
  if (max === 0 || max <= peak) return a;
  const g = peak / max;
  return { sampleRate: a.sampleRate, samples: a.samples.map((v) => v * g) };
}
