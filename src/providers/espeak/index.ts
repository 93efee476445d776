/**
 * genq's embedded speech engine: eSpeak NG (GPL-3.0, compiled to WASM), run in the shared
 * engine pool so synthesis never blocks the event loop. Formant synthesis is intelligible
 * and fast but robotic; see README.md. Speaks built-in voices and the account's designed
 * and cloned voices (recipes over espeak, see recipe.ts), as WAV, MP3 or Ogg Vorbis.
 */
import { invalidInput, providerError } from '../../core/errors.js';
import type { AudioStream, ModelInfo, Provider, ProviderContext, ProviderOutput, StreamContext, VoiceLookup } from '../provider.js';
import type { Task } from '../../core/task.js';
import { EnginePool } from '../engine-pool.js';
import { concatAudio, durationOf, type Audio } from '../audio/audio.js';
import { CONTENT_TYPES } from '../audio/formats.js';
import { StreamEncoder } from '../audio/encode.js';
import { splitForStream, splitText } from './chunk.js';
import { estimateCredits, normaliseInput, type EspeakInput } from './validate.js';
import { resolveRecipe, type EspeakRecipe } from './recipe.js';
import { languageFamily, publicVoices } from './voices.js';

export { ESPEAK_VOICES } from './voices.js';

const MODEL: ModelInfo = {
  id: 'espeak-ng',
  capability: 'voice',
  action: 'tts',
  default: true,
  timeout_s: 300,
  description:
    'eSpeak NG formant synthesizer, embedded and CPU-only: instant, intelligible, 100+ languages, clearly synthetic (robotic) timbre. Built-in and account voices; WAV, MP3 or Ogg; SSML.',
};

export interface EspeakProviderOptions {
  /** worker threads when no pool is given; default os.availableParallelism() */
  maxThreads?: number;
  /** the engine pool shared with the other local voice providers */
  pool?: EnginePool;
}

/** The input of a tts task, made concrete: which recipe, at what rate and pitch. */
export interface SpeechPlan {
  input: EspeakInput;
  recipe: EspeakRecipe;
  chunks: string[];
}

export function planSpeech(input: EspeakInput, recipe: EspeakRecipe, streaming = false): SpeechPlan {
  const language = input.language || recipe.language;
  // SSML is one document: cutting it at sentence ends would cut through its tags
  const chunks = input.ssml ? [input.text] : streaming ? splitForStream(input.text, language) : splitText(input.text, language);
  return { input, recipe, chunks };
}

/** Synthesizes one chunk of a plan in the pool. */
export async function speakChunk(pool: EnginePool, plan: SpeechPlan, text: string, signal: AbortSignal): Promise<Audio> {
  const { recipe, input } = plan;
  let out;
  try {
    out = await pool.speak({
      engine: 'espeak-ng', text, voice: recipe.espeak, ssml: input.ssml, shift: recipe.shift, amplitude: recipe.amplitude,
      wpm: Math.round(recipe.wpm * input.speed),
      pitch: Math.min(99, Math.max(0, Math.round(recipe.pitch * input.pitch))),
    }, signal);
  } catch (e) {
    if (signal.aborted) throw signal.reason;
    throw providerError(`espeak-ng worker failed: ${e instanceof Error ? e.message : String(e)}`, true, e);
  }
  if (!out.audio) throw providerError(`espeak-ng produced no audio: ${out.error ?? 'no reason given'}`, false);
  return out.audio;
}

/**
 * Runs `fn` over the items with at most `limit` in flight and returns the results in order;
 * `onDone` is called as each one finishes. A failure rejects at once.
 */
export async function inOrder<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>, onDone: () => void = () => {}): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
      onDone();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return results;
}

/** Hands out fn(item) in order while keeping up to `lookahead` of the following ones running. */
export function aheadOf<T, R>(items: T[], lookahead: number, fn: (item: T) => Promise<R>): { next(): Promise<R | undefined> } {
  const running: Promise<R>[] = [];
  let started = 0;
  const fill = () => {
    while (running.length < Math.max(1, lookahead) && started < items.length) {
      const p = fn(items[started++]!);
      p.catch(() => {}); // observed when its turn comes; an abandoned stream must not leave it unhandled
      running.push(p);
    }
  };
  return {
    async next() {
      fill();
      const p = running.shift();
      if (!p) return undefined;
      const value = await p;
      fill();
      return value;
    },
  };
}

async function checkAccountVoice(input: EspeakInput, voices: VoiceLookup): Promise<EspeakInput> {
  const recipe = await resolveRecipe(input.voice, voices);
  if (input.language && languageFamily(input.language) !== languageFamily(recipe.language)) {
    throw invalidInput(`"language" "${input.language}" does not match voice "${input.voice}", which speaks ${recipe.language}. Drop one of the two or pick a matching voice.`, { field: 'language' });
  }
  return { ...input, language: recipe.language };
}

export function createEspeakProvider(opts: EspeakProviderOptions = {}): Provider {
  const ownPool = !opts.pool;
  const pool = opts.pool ?? new EnginePool({ maxThreads: opts.maxThreads });

  return {
    id: 'espeak-ng',
    models: [MODEL],
    voices: publicVoices(),

    validate: (_model, input) => ({ ...normaliseInput(input) }),

    async validateForAccount(_model, input, voices) {
      return { ...(await checkAccountVoice(normaliseInput(input), voices)) };
    },

    estimate: (_model, input) => estimateCredits(input),

    async run(task: Task, ctx: ProviderContext): Promise<ProviderOutput> {
      ctx.signal.throwIfAborted();
      const input = normaliseInput(task.input);
      const plan = planSpeech(input, await resolveRecipe(input.voice, ctx.account));
      let done = 0;
      const parts = await inOrder(plan.chunks, pool.maxThreads, (text) => speakChunk(pool, plan, text, ctx.signal), () => {
        // the last step (1) is reported once the file is encoded and written
        if (++done < plan.chunks.length) ctx.progress(done / plan.chunks.length);
      });
      const audio = concatAudio(parts);
      const data = await pool.encode(audio, input.format, ctx.signal);
      const stored = await ctx.writeFile({
        name: `speech.${input.format}`, data, format: input.format, content_type: CONTENT_TYPES[input.format], duration_s: durationOf(audio),
      });
      ctx.progress(1);
      return { result: { files: [stored] }, credits: estimateCredits({ text: input.text }) };
    },

    async stream(_model, raw, ctx: StreamContext): Promise<AudioStream> {
      const input = normaliseInput(raw);
      const plan = planSpeech(input, await resolveRecipe(input.voice, ctx.account), true);
      // chunks are synthesized ahead while earlier ones are sent, as many at once as the pool has threads
      const ahead = aheadOf(plan.chunks, pool.maxThreads, (text) => speakChunk(pool, plan, text, ctx.signal));
      // the first chunk is synthesized before answering, so a failure is still a clean 4xx/5xx
      const first = await ahead.next();
      const encoder = await StreamEncoder.create(input.format, first!.sampleRate);
      async function* chunks(): AsyncGenerator<Uint8Array> {
        yield encoder.push(first!.samples);
        for (let audio = await ahead.next(); audio; audio = await ahead.next()) yield encoder.push(audio.samples);
        yield encoder.end();
      }
      return { content_type: CONTENT_TYPES[input.format], format: input.format, chunks: chunks() };
    },

    async close() {
      if (ownPool) await pool.close();
    },
  };
}
