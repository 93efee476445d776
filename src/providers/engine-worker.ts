/**
 * The one worker-thread module of genq's local voice engines. Piscina calls its named
 * exports (`pool.run(arg, { name })`); everything CPU-heavy (synthesis, pitch tracking,
 * pitch shifting, decoding, encoding) runs here, never on the event loop. Failures that
 * are the caller's fault come back as `{ error }` values: piscina keeps only an error's
 * message across threads, not its class.
 */
import { decodeWaveToFloat32Channels } from '@echogarden/wave-codec';
import espeakSynth, { type SynthRequest } from './espeak/synth-worker.js';
import { runFlite, type FliteRequest } from './flite/flite-run.js';
import { mixToMono, normalisePeak, type Audio } from './audio/audio.js';
import { decodeAudio, NotAudioError } from './audio/decode.js';
import { encodeAudio } from './audio/encode.js';
import type { AudioFormat } from './audio/formats.js';
import { analyseVoice, type VoiceAnalysis } from './audio/pitch.js';
import { shiftAudio, type ShiftOptions } from './audio/shift.js';

export type SpeakRequest =
  | ({ engine: 'espeak-ng'; shift?: number } & SynthRequest)
  | ({ engine: 'flite'; shift?: number } & FliteRequest);

export interface SpeakResponse {
  audio: Audio | null;
  /** why there is no audio (engine's own message) */
  error?: string;
  ms: number;
  cold?: boolean;
}

function wavToAudio(wav: Uint8Array): Audio {
  const raw = decodeWaveToFloat32Channels(wav, true, true);
  return { sampleRate: raw.sampleRate, samples: mixToMono(raw.audioChannels) };
}

/** One engine run, then the optional formant-preserving pitch shift of a designed voice. */
export async function speak(req: SpeakRequest): Promise<SpeakResponse> {
  const started = performance.now();
  let audio: Audio;
  let cold: boolean | undefined;
  if (req.engine === 'espeak-ng') {
    const out = await espeakSynth(req);
    cold = out.cold;
    if (!out.wav) return { audio: null, error: out.stderr || 'espeak-ng wrote no audio', ms: performance.now() - started, cold };
    audio = wavToAudio(out.wav);
  } else {
    audio = wavToAudio(await runFlite(req));
  }
  if (req.shift && Math.abs(req.shift - 1) > 1e-3) audio = normalisePeak(await shiftAudio(audio, { pitch: req.shift }));
  return { audio, ms: performance.now() - started, ...(cold === undefined ? {} : { cold }) };
}

export const encode = (arg: { audio: Audio; format: AudioFormat }): Promise<Uint8Array> => encodeAudio(arg.audio, arg.format);

export async function decode(bytes: Uint8Array): Promise<{ audio: Audio } | { error: string }> {
  try {
    return { audio: await decodeAudio(bytes) };
  } catch (e) {
    if (e instanceof NotAudioError) return { error: e.message };
    return { error: `the audio could not be decoded: ${(e as Error).message}` };
  }
}

export const analyse = (audio: Audio): Promise<VoiceAnalysis> => analyseVoice(audio);

export const shift = async (arg: { audio: Audio } & ShiftOptions): Promise<Audio> => normalisePeak(await shiftAudio(arg.audio, arg));

/** Kept for piscina's default export lookup: plain espeak-ng synthesis. */
export default espeakSynth;
