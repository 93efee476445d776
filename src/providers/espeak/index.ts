/**
 * genq's embedded speech engine: eSpeak NG (GPL-3.0, compiled to WASM), run in a
 * worker-thread pool so synthesis never blocks the event loop. Formant synthesis is
 * intelligible and fast but robotic; see the voice notes in voices.ts.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { providerError } from '../../core/errors.js';
import type { ModelInfo, Provider, ProviderContext, ProviderOutput } from '../provider.js';
import type { Task } from '../../core/task.js';
import { splitText } from './chunk.js';
import type { SynthRequest, SynthResponse } from './synth-worker.js';
import { estimateCredits, normaliseInput } from './validate.js';
import { findVoice, publicVoices } from './voices.js';
import { buildWav, durationSeconds, parseWav, sameFormat, type Pcm, type PcmFormat } from './wav.js';

export { ESPEAK_VOICES } from './voices.js';

const MODEL: ModelInfo = {
  id: 'espeak-ng',
  capability: 'voice',
  action: 'tts',
  default: true,
  timeout_s: 300,
  description:
    'eSpeak NG formant synthesizer, embedded and CPU-only: instant, intelligible, many languages, clearly synthetic (robotic) timbre. WAV output.',
};

/** espeak's own default rate; speed 1.0 means exactly this */
const BASE_WPM = 175;

export interface EspeakProviderOptions {
  /** worker threads; default os.availableParallelism() */
  maxThreads?: number;
}

/** Rejects as soon as the signal fires; the chunk in flight finishes in the background. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  promise.catch(() => {}); // its outcome no longer matters once we rejected
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function toPcm(out: SynthResponse): Pcm {
  if (!out.wav) throw providerError(`espeak-ng produced no audio${out.stderr ? `: ${out.stderr}` : ''}`, false);
  try {
    return parseWav(out.wav);
  } catch (e) {
    throw providerError(`espeak-ng produced an unreadable WAV: ${(e as Error).message}`, false, e);
  }
}

export function createEspeakProvider(opts: EspeakProviderOptions = {}): Provider {
  const maxThreads = Math.max(1, Math.floor(opts.maxThreads ?? availableParallelism()));
  // Created on first use: validating or listing voices should not start threads.
  let pool: Piscina<SynthRequest, SynthResponse> | undefined;
  const getPool = () =>
    (pool ??= new Piscina({
      filename: new URL('./synth-worker.js', import.meta.url).href,
      minThreads: 1,
      maxThreads,
      // an idle thread keeps its compiled wasm; a new one pays ~3x for its first call
      idleTimeout: 60_000,
    }));

  async function synthesizeChunk(req: SynthRequest, ctx: ProviderContext): Promise<Pcm> {
    let out: SynthResponse;
    try {
      out = await abortable(getPool().run(req), ctx.signal);
    } catch (e) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      throw providerError(`espeak-ng worker failed: ${e instanceof Error ? e.message : String(e)}`, true, e);
    }
    ctx.log.debug({ ms: Math.round(out.ms), cold: out.cold, chars: req.text.length }, 'espeak-ng chunk');
    return toPcm(out);
  }

  return {
    id: 'espeak-ng',
    models: [MODEL],
    voices: publicVoices(),

    validate: (_model, input) => ({ ...normaliseInput(input) }),

    estimate: (_model, input) => estimateCredits(input),

    async run(task: Task, ctx: ProviderContext): Promise<ProviderOutput> {
      ctx.signal.throwIfAborted();
      const input = normaliseInput(task.input);
      const voice = findVoice(input.voice)!;
      const chunks = splitText(input.text, voice.language);
      const base = {
        voice: voice.espeak,
        wpm: Math.round(BASE_WPM * input.speed),
        pitch: Math.min(99, Math.max(0, Math.round(voice.basePitch * input.pitch))),
      };
      let format: PcmFormat | undefined;
      const parts: Uint8Array[] = [];
      for (const [i, text] of chunks.entries()) {
        ctx.signal.throwIfAborted();
        const pcm = await synthesizeChunk({ ...base, text }, ctx);
        format ??= pcm;
        if (!sameFormat(format, pcm)) throw providerError('espeak-ng changed its sample format between chunks', false);
        parts.push(pcm.data);
        ctx.progress((i + 1) / chunks.length);
      }
      const data = buildWav(format!, parts);
      const stored = await ctx.writeFile({
        name: 'speech.wav',
        data,
        format: 'wav',
        content_type: 'audio/wav',
        duration_s: durationSeconds(format!, data.length - 44),
      });
      return { result: { files: [stored] }, credits: estimateCredits({ text: input.text }) };
    },

    async close() {
      const p = pool;
      pool = undefined;
      await p?.destroy();
    },
  };
}
