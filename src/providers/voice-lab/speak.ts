/** Shared by design, clone and convert: a recipe spoken, measured and saved as a file. */
import { invalidInput } from '../../core/errors.js';
import type { AccountVoice, ProviderContext } from '../provider.js';
import type { StoredFile } from '../../core/task.js';
import type { EnginePool } from '../engine-pool.js';
import { concatAudio, durationOf, type Audio } from '../audio/audio.js';
import { CONTENT_TYPES, type AudioFormat } from '../audio/formats.js';
import { planSpeech, speakChunk } from '../espeak/index.js';
import { ENGINE, type EspeakRecipe } from '../espeak/recipe.js';
import { defaultVoiceFor, SUPPORTED_LANGUAGES } from '../espeak/voices.js';
import { pitchFor } from '../espeak/calibration.js';

export type Gender = 'male' | 'female' | 'neutral';

const VARIANTS: Record<Gender, string[]> = {
  male: ['', '+m3', '+m1'],
  female: ['+f3', '+f2', '+f4'],
  neutral: ['+f4', '+m3', '+f2'],
};

/** espeak's language voice (without variant) for a BCP-47 tag; INVALID_INPUT when unknown. */
export function espeakLanguage(language: string, field = 'language'): { espeak: string; language: string } {
  const voice = defaultVoiceFor(language);
  if (!voice) throw invalidInput(`Language "${language}" is not available. Supported: ${SUPPORTED_LANGUAGES.join(', ')}.`, { field });
  return { espeak: voice.espeak.split('+')[0]!, language: voice.language };
}

/** A recipe that speaks at `f0` Hz and `wpm`, on the `index`-th variant of the gender. */
export function recipeFor(o: { language: string; gender: Gender; f0: number; wpm: number; index?: number; amplitude?: number }): EspeakRecipe {
  const { espeak, language } = espeakLanguage(o.language);
  const variants = VARIANTS[o.gender];
  // the variant whose range holds the target nearest its middle, unless a given one is asked for
  const voice = o.index !== undefined
    ? espeak + variants[o.index % variants.length]
    : variants.map((v) => espeak + v).sort((a, b) => Math.abs(pitchFor(a, o.f0).p - 50) - Math.abs(pitchFor(b, o.f0).p - 50))[0]!;
  const { p, shift } = pitchFor(voice, o.f0);
  return { espeak: voice, pitch: p, shift: Math.round(shift * 1000) / 1000, wpm: Math.round(o.wpm), f0_hz: Math.round(o.f0), language, ...(o.amplitude && o.amplitude !== 100 ? { amplitude: o.amplitude } : {}) };
}

export async function speakRecipe(pool: EnginePool, recipe: EspeakRecipe, text: string, signal: AbortSignal): Promise<Audio> {
  const plan = planSpeech({ text, voice: '', language: recipe.language, speed: 1, pitch: 1, format: 'wav', ssml: false }, recipe);
  const parts: Audio[] = [];
  for (const chunk of plan.chunks) parts.push(await speakChunk(pool, plan, chunk, signal));
  return concatAudio(parts);
}

export async function writeAudio(pool: EnginePool, ctx: ProviderContext, name: string, audio: Audio, format: AudioFormat): Promise<StoredFile> {
  const data = await pool.encode(audio, format, ctx.signal);
  return ctx.writeFile({ name: `${name}.${format}`, data, format, content_type: CONTENT_TYPES[format], duration_s: durationOf(audio) });
}

export function accountVoice(id: string, name: string, gender: Gender, recipe: EspeakRecipe, sample: StoredFile, extra: Record<string, unknown>): AccountVoice {
  const { language, ...params } = recipe;
  return { id, name, language, gender, engine: ENGINE, params: { ...params, ...extra }, sample_key: sample.key };
}

/** The public view of a new voice in a task result. */
export function voiceView(v: AccountVoice, sampleIndex: number): Record<string, unknown> {
  const p = v.params as Partial<EspeakRecipe>;
  return { voice_id: v.id, name: v.name, language: v.language, gender: v.gender, engine: v.engine, f0_hz: p.f0_hz, wpm: p.wpm, sample_file: sampleIndex };
}
