/**
 * Pitch shifting and time stretching with the Rubber Band Library (GPL-2.0-or-later, WASM
 * build `rubberband-wasm`), R3 "finer" engine with formant preservation: the pitch moves,
 * the vocal-tract resonances stay where they were, so a shifted voice sounds like a higher
 * or lower voice rather than a sped-up tape.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { RubberBandInterface, RubberBandOption } from 'rubberband-wasm';
import type { Audio } from './audio.js';

const require = createRequire(import.meta.url);
let api: Promise<RubberBandInterface> | undefined;

function rubberband(): Promise<RubberBandInterface> {
  if (!api) {
    const wasm = (globalThis as unknown as { WebAssembly: { compile(b: Uint8Array): Promise<object> } }).WebAssembly;
    api = readFile(require.resolve('rubberband-wasm/dist/rubberband.wasm'))
      .then((bytes) => wasm.compile(bytes))
      .then((m) => RubberBandInterface.initialize(m as never));
    api.catch(() => (api = undefined));
  }
  return api;
}

export interface ShiftOptions {
  /** frequency multiplier: 2 = an octave up */
  pitch: number;
  /** duration multiplier: 1.25 = 25% slower */
  time?: number;
  /** keep formants (the default); false shifts them with the pitch, like resampling */
  preserveFormants?: boolean;
}

const BLOCK = 4096;

export async function shiftAudio(audio: Audio, opts: ShiftOptions): Promise<Audio> {
  const time = opts.time ?? 1;
  if (Math.abs(opts.pitch - 1) < 1e-3 && Math.abs(time - 1) < 1e-3) return audio;
  const rb = await rubberband();
  const O = RubberBandOption;
  const options = O.RubberBandOptionProcessOffline | O.RubberBandOptionEngineFiner
    | (opts.preserveFormants === false ? O.RubberBandOptionFormantShifted : O.RubberBandOptionFormantPreserved);
  const st = rb.rubberband_new(audio.sampleRate, 1, options, time, opts.pitch);
  const channels = rb.malloc(4);
  const buf = rb.malloc(BLOCK * 4);
  rb.memWritePtr(channels, buf);
  const input = audio.samples;
  const parts: Float32Array[] = [];
  let produced = 0;
  const drain = () => {
    for (let n = rb.rubberband_available(st); n > 0; n = rb.rubberband_available(st)) {
      const got = rb.rubberband_retrieve(st, channels, Math.min(n, BLOCK));
      parts.push(rb.memReadF32(buf, got).slice());
      produced += got;
    }
  };
  try {
    rb.rubberband_set_expected_input_duration(st, input.length);
    rb.rubberband_set_max_process_size(st, BLOCK);
    // offline mode studies the whole input first, then processes it
    for (const pass of ['study', 'process'] as const) {
      for (let at = 0; at < input.length; at += BLOCK) {
        const block = input.subarray(at, at + BLOCK);
        rb.memWrite(buf, block);
        const final = at + BLOCK >= input.length ? 1 : 0;
        if (pass === 'study') rb.rubberband_study(st, channels, block.length, final);
        else {
          rb.rubberband_process(st, channels, block.length, final);
          drain();
        }
      }
    }
    drain();
  } finally {
    rb.rubberband_delete(st);
    rb.free(channels);
    rb.free(buf);
  }
  const out = new Float32Array(produced);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return { sampleRate: audio.sampleRate, samples: out };
}
