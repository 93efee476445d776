/** Reads genq's stored WAV results (16-bit PCM) for re-encoding to the format a CAMB.AI client asks for. */

export interface Pcm16 {
  sampleRate: number;
  channels: number;
  /** interleaved samples */
  samples: Int16Array;
}

/** Reads a canonical RIFF/WAVE file of 16-bit PCM; null for anything else. */
export function parsePcm16Wav(buf: Uint8Array): Pcm16 | null {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const tag = (o: number) => String.fromCharCode(buf[o]!, buf[o + 1]!, buf[o + 2]!, buf[o + 3]!);
  if (buf.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') return null;
  let fmt: { channels: number; rate: number; bits: number; format: number } | null = null;
  for (let off = 12; off + 8 <= buf.length; ) {
    const id = tag(off);
    const size = view.getUint32(off + 4, true);
    const body = off + 8;
    if (id === 'fmt ' && size >= 16) {
      fmt = { format: view.getUint16(body, true), channels: view.getUint16(body + 2, true), rate: view.getUint32(body + 4, true), bits: view.getUint16(body + 14, true) };
    } else if (id === 'data' && fmt) {
      if (fmt.format !== 1 || fmt.bits !== 16 || fmt.channels < 1 || fmt.channels > 8) return null;
      const bytes = Math.min(size, buf.length - body) & ~1;
      const samples = new Int16Array(bytes / 2);
      for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(body + i * 2, true);
      return { sampleRate: fmt.rate, channels: fmt.channels, samples };
    }
    off = body + size + (size & 1);
  }
  return null;
}

/** The raw samples as little-endian bytes (CAMB.AI's `pcm_s16le` output format). */
export function pcmS16le(pcm: Pcm16): Uint8Array {
  const out = new Uint8Array(pcm.samples.length * 2);
  const view = new DataView(out.buffer);
  pcm.samples.forEach((v, i) => view.setInt16(i * 2, v, true));
  return out;
}
