/**
 * CAMB.AI's `GET /tts-result/{run_id}` streams FLAC by default, and its clients expect
 * `audio/flac`. genq's local engines write 16-bit PCM WAV, so the dialect re-encodes it here:
 * a small lossless FLAC encoder (fixed linear predictors of order 0–4, one Rice partition per
 * subframe, verbatim when that is smaller), with no dependency. Stored files that are not
 * 16-bit PCM WAV (see wav.ts) are served as they are.
 */

import type { Pcm16 } from './wav.js';

class BitWriter {
  private buf = new Uint8Array(1 << 16);
  private len = 0; // bytes complete
  private acc = 0; // pending bits (< 8)
  private n = 0;

  /** writes the low `bits` bits of `value` (bits ≤ 24 per call keeps the arithmetic exact) */
  write(value: number, bits: number): void {
    for (let left = bits; left > 0; ) {
      const take = Math.min(left, 8 - this.n);
      left -= take;
      this.acc = (this.acc << take) | ((value >>> left) & ((1 << take) - 1));
      this.n += take;
      if (this.n === 8) this.push();
    }
  }
  unary(zeros: number): void {
    for (let i = 0; i < zeros; i++) this.write(0, 1);
    this.write(1, 1);
  }
  private push(): void {
    if (this.len === this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.len++] = this.acc;
    this.acc = 0;
    this.n = 0;
  }
  align(): void {
    if (this.n > 0) this.write(0, 8 - this.n);
  }
  get byteLength(): number {
    return this.len;
  }
  bytes(from = 0, to = this.len): Uint8Array {
    return this.buf.subarray(from, to);
  }
}

function crc8(data: Uint8Array): number {
  let crc = 0;
  for (const b of data) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

function crc16(data: Uint8Array): number {
  let crc = 0;
  for (const b of data) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x8005) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** FLAC's UTF-8-like coding of the frame number. */
function writeFrameNumber(w: BitWriter, n: number): void {
  if (n < 0x80) return w.write(n, 8);
  const bytes: number[] = [];
  let v = n;
  while (v >= 1 << (6 - bytes.length) || bytes.length === 0) {
    bytes.unshift(0x80 | (v & 0x3f));
    v = Math.floor(v / 64);
  }
  const lead = (0xff << (7 - bytes.length)) & 0xff;
  w.write(lead | v, 8);
  for (const b of bytes) w.write(b, 8);
}

/** Residual of the fixed predictor of `order` (FLAC spec §"FIXED predictor"). */
function residual(x: Int32Array, order: number): Int32Array {
  const r = new Int32Array(x.length - order);
  for (let i = order; i < x.length; i++) {
    const p = order === 0 ? 0 : order === 1 ? x[i - 1]! : order === 2 ? 2 * x[i - 1]! - x[i - 2]!
      : order === 3 ? 3 * x[i - 1]! - 3 * x[i - 2]! + x[i - 3]! : 4 * x[i - 1]! - 6 * x[i - 2]! + 4 * x[i - 3]! - x[i - 4]!;
    r[i - order] = x[i]! - p;
  }
  return r;
}

const zigzag = (v: number) => (v >= 0 ? 2 * v : -2 * v - 1);

/** Best Rice parameter near log2 of the mean residual, and its cost in bits for one partition. */
function rice(r: Int32Array): { k: number; bits: number } {
  let sum = 0;
  for (const v of r) sum += zigzag(v);
  const guess = sum > r.length ? Math.floor(Math.log2(sum / r.length)) : 0;
  let best = { k: 0, bits: Infinity };
  for (let k = Math.max(0, guess - 1); k <= Math.min(14, guess + 1); k++) {
    let bits = 0;
    for (const v of r) bits += Math.floor(zigzag(v) / 2 ** k) + 1 + k;
    if (bits < best.bits) best = { k, bits };
  }
  return best;
}

function writeSubframe(w: BitWriter, x: Int32Array): void {
  let best = { order: -1, k: 0, bits: x.length * 16 }; // verbatim
  for (let order = 0; order <= 4 && order < x.length; order++) {
    const { k, bits } = rice(residual(x, order));
    if (order * 16 + 6 + 4 + bits < best.bits) best = { order, k, bits: order * 16 + 6 + 4 + bits };
  }
  if (best.order < 0) {
    w.write(0b00000010, 8); // verbatim subframe
    for (const v of x) w.write(v & 0xffff, 16);
    return;
  }
  w.write((0b001000 | best.order) << 1, 8); // fixed subframe, no wasted bits
  for (let i = 0; i < best.order; i++) w.write(x[i]! & 0xffff, 16);
  w.write(0, 2); // Rice coding, 4-bit parameters
  w.write(0, 4); // partition order 0
  w.write(best.k, 4);
  for (const v of residual(x, best.order)) {
    const u = zigzag(v);
    w.unary(Math.floor(u / 2 ** best.k));
    if (best.k > 0) w.write(u % 2 ** best.k, best.k);
  }
}

const BLOCK = 4096;

/** Encodes interleaved 16-bit PCM as a complete FLAC file. */
export function encodeFlac(pcm: Pcm16): Uint8Array {
  const { channels, sampleRate, samples } = pcm;
  const frames = samples.length / channels;
  const w = new BitWriter();
  w.write(0x664c6143 >>> 8, 24); // "fLa"
  w.write(0x43, 8); // "C"
  w.write(0x80, 8); // last metadata block, STREAMINFO
  w.write(34, 24);
  w.write(Math.min(BLOCK, frames || 16), 16);
  w.write(Math.min(BLOCK, frames || 16), 16);
  w.write(0, 24); // min/max frame size unknown
  w.write(0, 24);
  w.write(sampleRate, 20);
  w.write(channels - 1, 3);
  w.write(15, 5); // 16 bits per sample
  w.write(Math.floor(frames / 2 ** 24), 12); // 36-bit total samples, high part
  w.write(frames % 2 ** 24, 24);
  for (let i = 0; i < 16; i++) w.write(0, 8); // MD5 unknown (allowed by the spec)

  for (let start = 0, n = 0; start < frames; start += BLOCK, n++) {
    const size = Math.min(BLOCK, frames - start);
    const frameStart = w.byteLength;
    w.write(0b11111111111110, 14);
    w.write(0, 2); // reserved, fixed block size stream
    w.write(0b0111, 4); // block size in 16 bits after the header
    w.write(0, 4); // sample rate from STREAMINFO
    w.write(channels - 1, 4); // independent channels
    w.write(0b100, 3); // 16 bits per sample
    w.write(0, 1);
    writeFrameNumber(w, n);
    w.write(size - 1, 16);
    w.write(crc8(w.bytes(frameStart)), 8);
    for (let c = 0; c < channels; c++) {
      const x = new Int32Array(size);
      for (let i = 0; i < size; i++) x[i] = samples[(start + i) * channels + c]!;
      writeSubframe(w, x);
    }
    w.align();
    w.write(crc16(w.bytes(frameStart)), 16);
  }
  return w.bytes().slice();
}
