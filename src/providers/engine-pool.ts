/**
 * One bounded worker-thread pool shared by every local voice provider, so synthesis,
 * analysis and encoding together never use more threads than the machine has cores.
 * Calls are abortable: the promise rejects at once, the job in flight finishes in the
 * background and its thread stays warm (killing a thread would cost ~300 ms of wasm
 * compilation on the next call).
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type * as Ops from './engine-worker.js';
import type { Audio } from './audio/audio.js';
import { encodeWav } from './audio/encode.js';
import type { AudioFormat } from './audio/formats.js';
import type { VoiceAnalysis } from './audio/pitch.js';
import type { ShiftOptions } from './audio/shift.js';

const INLINE_WAV_SAMPLES = 2 ** 21;

export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  // its outcome no longer matters once we rejected (also when the signal was already aborted:
  // the job was queued anyway, and a pool shut down under it must not raise an unhandled rejection)
  promise.catch(() => {});
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export class EnginePool {
  private pool: Piscina | undefined;
  readonly maxThreads: number;

  constructor(opts: { maxThreads?: number } = {}) {
    this.maxThreads = Math.max(1, Math.floor(opts.maxThreads ?? availableParallelism()));
  }

  /** Created on first use: validating input or listing voices starts no thread. */
  private get piscina(): Piscina {
    return (this.pool ??= new Piscina({
      filename: new URL('./engine-worker.js', import.meta.url).href,
      minThreads: 1,
      maxThreads: this.maxThreads,
      // an idle thread keeps its compiled wasm modules; a new one pays for compiling them
      idleTimeout: 60_000,
    }));
  }

  private call<T>(name: string, arg: unknown, signal: AbortSignal): Promise<T> {
    return abortable(this.piscina.run(arg, { name }) as Promise<T>, signal);
  }

  speak(req: Ops.SpeakRequest, signal: AbortSignal): Promise<Ops.SpeakResponse> {
    return this.call('speak', req, signal);
  }

  encode(audio: Audio, format: AudioFormat, signal: AbortSignal): Promise<Uint8Array> {
    // WAV is a copy into 16-bit integers: up to ~1.5 min of speech it costs less here than
    // the round trip of the samples to a worker thread
    if (format === 'wav' && audio.samples.length <= INLINE_WAV_SAMPLES) return Promise.resolve(encodeWav(audio));
    return this.call('encode', { audio, format }, signal);
  }

  decode(bytes: Uint8Array, signal: AbortSignal): Promise<{ audio: Audio } | { error: string }> {
    return this.call('decode', bytes, signal);
  }

  analyse(audio: Audio, signal: AbortSignal): Promise<VoiceAnalysis> {
    return this.call('analyse', audio, signal);
  }

  shift(audio: Audio, opts: ShiftOptions, signal: AbortSignal): Promise<Audio> {
    return this.call('shift', { audio, ...opts }, signal);
  }

  async close(): Promise<void> {
    const p = this.pool;
    this.pool = undefined;
    await p?.destroy();
  }
}
