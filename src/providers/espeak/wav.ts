/**
 * Just enough RIFF/WAVE to join espeak's chunk outputs. The header is walked chunk by
 * chunk instead of assuming 44 bytes, because writers may add LIST/fact chunks.
 */
export interface PcmFormat {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
}

export interface Pcm extends PcmFormat {
  data: Uint8Array;
}

const ascii = (bytes: Uint8Array, at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));

export function parseWav(bytes: Uint8Array): Pcm {
  if (bytes.length < 12 || ascii(bytes, 0) !== 'RIFF' || ascii(bytes, 8) !== 'WAVE') {
    throw new Error('not a RIFF/WAVE file');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let format: PcmFormat | undefined;
  for (let at = 12; at + 8 <= bytes.length; ) {
    const id = ascii(bytes, at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      if (view.getUint16(body, true) !== 1) throw new Error('WAV is not integer PCM');
      format = {
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        bitsPerSample: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (!format) throw new Error('WAV data chunk comes before its fmt chunk');
      // a streaming writer leaves the size at 0 or 0xFFFFFFFF; trust the bytes we have
      const end = size === 0 || body + size > bytes.length ? bytes.length : body + size;
      return { ...format, data: bytes.subarray(body, end) };
    }
    at = body + size + (size & 1); // RIFF chunks are padded to even sizes
  }
  throw new Error('WAV has no data chunk');
}

export function buildWav(format: PcmFormat, parts: Uint8Array[]): Uint8Array {
  const dataSize = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(44 + dataSize);
  const view = new DataView(out.buffer);
  const blockAlign = (format.channels * format.bitsPerSample) / 8;
  out.set([0x52, 0x49, 0x46, 0x46], 0); // RIFF
  view.setUint32(4, 36 + dataSize, true);
  out.set([0x57, 0x41, 0x56, 0x45, 0x66, 0x6d, 0x74, 0x20], 8); // WAVEfmt␠
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // integer PCM
  view.setUint16(22, format.channels, true);
  view.setUint32(24, format.sampleRate, true);
  view.setUint32(28, format.sampleRate * blockAlign, true);
  view.setUint16(32, blockAlign, true);
  view.setUint16(34, format.bitsPerSample, true);
  out.set([0x64, 0x61, 0x74, 0x61], 36); // data
  view.setUint32(40, dataSize, true);
  let at = 44;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export const durationSeconds = (format: PcmFormat, dataBytes: number) =>
  dataBytes / (format.sampleRate * format.channels * (format.bitsPerSample / 8));

export const sameFormat = (a: PcmFormat, b: PcmFormat) =>
  a.sampleRate === b.sampleRate && a.channels === b.channels && a.bitsPerSample === b.bitsPerSample;
