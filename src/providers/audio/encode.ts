/**
 * Writes audio as WAV (16-bit PCM, @echogarden/wave-codec), MP3 (LAME) or Ogg Vorbis
 * (libvorbis); the last two come from `wasm-media-encoders`, WASM builds that need no
 * native toolchain. `StreamEncoder` emits bytes as audio arrives, for chunked responses.
 */
import { encodeWaveFromFloat32Channels } from '@echogarden/wave-codec';
import { createMp3Encoder, createOggEncoder } from 'wasm-media-encoders';
import { toInt16Bytes, type Audio } from './audio.js';
import type { AudioFormat } from './formats.js';
import { resample } from './resample.js';

type WasmEncoder = Awaited<ReturnType<typeof createMp3Encoder>> | Awaited<ReturnType<typeof createOggEncoder>>;

/** MPEG audio carries only these rates; other audio is resampled first. */
export const MP3_RATES = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000];

/** The rate a format will carry this audio at: the same, or the nearest MP3 rate above it. */
export function carriedRate(format: AudioFormat, rate: number): number {
  if (format !== 'mp3' || MP3_RATES.includes(rate)) return rate;
  return MP3_RATES.find((r) => r >= rate) ?? 48000;
}

async function wasmEncoder(format: 'mp3' | 'ogg', sampleRate: number): Promise<WasmEncoder> {
  if (format === 'mp3') {
    const enc = await createMp3Encoder();
    if (!MP3_RATES.includes(sampleRate)) throw new Error(`MP3 cannot carry ${sampleRate} Hz audio; resample first`);
    // VBR quality 4 (~100-130 kbit/s for speech at 22 kHz): transparent enough for a formant voice
    enc.configure({ sampleRate, channels: 1, vbrQuality: 4 });
    return enc;
  }
  const enc = await createOggEncoder();
  // vorbis quality 0..10 here is -1..10 scaled; 4 ≈ 64-80 kbit/s mono
  enc.configure({ sampleRate, channels: 1, vbrQuality: 4 });
  return enc;
}

/** A 44-byte WAV header whose sizes say "until the end of the stream" (what ffmpeg writes too). */
export function streamingWavHeader(sampleRate: number): Uint8Array {
  const header = encodeWaveFromFloat32Channels([new Float32Array(0)], sampleRate, 16).slice(0, 44);
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  view.setUint32(4, 0xffffffff, true);
  view.setUint32(40, 0xffffffff, true);
  return header;
}

export class StreamEncoder {
  private constructor(
    readonly format: AudioFormat,
    readonly sampleRate: number,
    private readonly enc: WasmEncoder | null,
    private started = false,
  ) {}

  static async create(format: AudioFormat, sampleRate: number): Promise<StreamEncoder> {
    return new StreamEncoder(format, sampleRate, format === 'wav' ? null : await wasmEncoder(format, sampleRate));
  }

  /** Bytes for these samples (may be empty while the codec fills a frame). */
  push(samples: Float32Array): Uint8Array {
    if (!this.enc) {
      const body = toInt16Bytes(samples);
      if (this.started) return body;
      this.started = true;
      const head = streamingWavHeader(this.sampleRate);
      const out = new Uint8Array(head.length + body.length);
      out.set(head);
      out.set(body, head.length);
      return out;
    }
    // the encoder owns the returned view and reuses it: copy
    return this.enc.encode([samples]).slice();
  }

  end(): Uint8Array {
    if (!this.enc) return this.started ? new Uint8Array(0) : streamingWavHeader(this.sampleRate);
    return this.enc.finalize().slice();
  }
}

/** 16-bit PCM WAV: wave-codec's header, samples converted in one typed-array pass. */
export function encodeWav(audio: Audio): Uint8Array {
  const body = toInt16Bytes(audio.samples);
  const out = new Uint8Array(44 + body.length);
  out.set(streamingWavHeader(audio.sampleRate));
  const view = new DataView(out.buffer);
  view.setUint32(4, 36 + body.length, true);
  view.setUint32(40, body.length, true);
  out.set(body, 44);
  return out;
}

export async function encodeAudio(input: Audio, format: AudioFormat): Promise<Uint8Array> {
  const audio = await resample(input, carriedRate(format, input.sampleRate));
  if (format === 'wav') return encodeWav(audio);
  const enc = await StreamEncoder.create(format, audio.sampleRate);
  const parts: Uint8Array[] = [];
  // feed in slices: the WASM encoders allocate their input buffer per call
  for (let i = 0; i < audio.samples.length; i += 65536) parts.push(enc.push(audio.samples.subarray(i, i + 65536)));
  parts.push(enc.end());
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
