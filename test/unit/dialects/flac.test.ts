/**
 * The FLAC encoder behind CAMB.AI's raw_bytes results: every file decodes, by a small
 * independent decoder written from the format specification, back to the exact samples.
 */
import { describe, expect, it } from 'vitest';
import { encodeFlac } from '../../../src/api/dialects/camb/flac.js';
import { parsePcm16Wav, pcmS16le, type Pcm16 } from '../../../src/api/dialects/camb/wav.js';

class BitReader {
  pos = 0; // in bits
  constructor(readonly b: Uint8Array) {}
  read(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++, this.pos++) v = v * 2 + ((this.b[this.pos >> 3]! >> (7 - (this.pos & 7))) & 1);
    return v;
  }
  signed(n: number): number {
    const v = this.read(n);
    return v >= 2 ** (n - 1) ? v - 2 ** n : v;
  }
  align() {
    this.pos = Math.ceil(this.pos / 8) * 8;
  }
}

const PRED = [
  () => 0,
  (x: number[], i: number) => x[i - 1]!,
  (x: number[], i: number) => 2 * x[i - 1]! - x[i - 2]!,
  (x: number[], i: number) => 3 * x[i - 1]! - 3 * x[i - 2]! + x[i - 3]!,
  (x: number[], i: number) => 4 * x[i - 1]! - 6 * x[i - 2]! + 4 * x[i - 3]! - x[i - 4]!,
];

/** Decodes the subset genq writes: STREAMINFO, fixed block sizes, verbatim and fixed subframes. */
function decode(flac: Uint8Array): Pcm16 {
  const r = new BitReader(flac);
  expect(String.fromCharCode(...flac.subarray(0, 4))).toBe('fLaC');
  r.pos = 32;
  expect(r.read(1)).toBe(1); // last metadata block
  expect(r.read(7)).toBe(0); // STREAMINFO
  expect(r.read(24)).toBe(34);
  r.read(16 + 16 + 24 + 24);
  const sampleRate = r.read(20);
  const channels = r.read(3) + 1;
  expect(r.read(5) + 1).toBe(16);
  const total = r.read(36);
  r.read(128);
  const out = new Int16Array(total * channels);
  let done = 0;
  while (done < total) {
    expect(r.read(14)).toBe(0b11111111111110);
    r.read(2);
    expect(r.read(4)).toBe(0b0111);
    r.read(4);
    expect(r.read(4)).toBe(channels - 1);
    r.read(4);
    let lead = r.read(8);
    while (lead & 0x80 && (lead & 0x40)) { r.read(8); lead = (lead << 1) & 0xff; }
    const size = r.read(16) + 1;
    r.read(8); // crc-8
    for (let c = 0; c < channels; c++) {
      expect(r.read(1)).toBe(0);
      const type = r.read(6);
      expect(r.read(1)).toBe(0);
      const x: number[] = [];
      if (type === 1) for (let i = 0; i < size; i++) x.push(r.signed(16));
      else {
        expect(type & 0b111000).toBe(0b001000);
        const order = type & 7;
        for (let i = 0; i < order; i++) x.push(r.signed(16));
        expect(r.read(2)).toBe(0);
        expect(r.read(4)).toBe(0);
        const k = r.read(4);
        for (let i = order; i < size; i++) {
          let q = 0;
          while (r.read(1) === 0) q++;
          const u = q * 2 ** k + r.read(k);
          const res = u % 2 === 0 ? u / 2 : -(u + 1) / 2;
          x.push(res + PRED[order]!(x, i));
        }
      }
      x.forEach((v, i) => (out[(done + i) * channels + c] = v));
    }
    r.align();
    r.read(16); // crc-16
    done += size;
  }
  expect(r.pos / 8).toBe(flac.length);
  return { sampleRate, channels, samples: out };
}

function wav(pcm: Pcm16): Uint8Array {
  const data = pcmS16le(pcm);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0); h.writeUInt32LE(36 + data.length, 4); h.write('WAVEfmt ', 8); h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); h.writeUInt16LE(pcm.channels, 22); h.writeUInt32LE(pcm.sampleRate, 24);
  h.writeUInt32LE(pcm.sampleRate * 2 * pcm.channels, 28); h.writeUInt16LE(2 * pcm.channels, 32); h.writeUInt16LE(16, 34);
  h.write('data', 36); h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

const tone = (n: number, channels = 1) => Int16Array.from({ length: n * channels }, (_, i) => Math.round(12000 * Math.sin((2 * Math.PI * 220 * Math.floor(i / channels)) / 22050)));

describe('FLAC encoder', () => {
  const cases: Array<[string, Pcm16]> = [
    ['a tone over several blocks', { sampleRate: 22050, channels: 1, samples: tone(22050) }],
    ['stereo', { sampleRate: 44100, channels: 2, samples: tone(5000, 2) }],
    ['full-scale noise (verbatim subframes)', { sampleRate: 16000, channels: 1, samples: Int16Array.from({ length: 9000 }, (_, i) => ((i * 2654435761) % 65536) - 32768) }],
    ['silence', { sampleRate: 22050, channels: 1, samples: new Int16Array(5000) }],
    ['a handful of samples', { sampleRate: 8000, channels: 1, samples: Int16Array.from([1, -1, 32767, -32768, 0]) }],
  ];
  for (const [name, pcm] of cases) {
    it(`round-trips ${name} exactly`, () => {
      const flac = encodeFlac(pcm);
      const back = decode(flac);
      expect(back.sampleRate).toBe(pcm.sampleRate);
      expect(back.channels).toBe(pcm.channels);
      expect(Array.from(back.samples)).toEqual(Array.from(pcm.samples));
    });
  }

  it('compresses speech-like audio below the WAV size', () => {
    const pcm = { sampleRate: 22050, channels: 1, samples: tone(22050) };
    expect(encodeFlac(pcm).length).toBeLessThan(wav(pcm).length / 2);
  });

  it('reads genq WAV files and refuses other encodings', () => {
    const pcm = { sampleRate: 22050, channels: 1, samples: tone(100) };
    expect(parsePcm16Wav(wav(pcm))).toEqual(pcm);
    const float = Buffer.from(wav(pcm));
    float.writeUInt16LE(3, 20); // IEEE float
    expect(parsePcm16Wav(float)).toBeNull();
    expect(parsePcm16Wav(new TextEncoder().encode('ID3 not a wav'))).toBeNull();
  });
});
