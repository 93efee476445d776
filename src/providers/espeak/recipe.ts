/**
 * A voice as espeak-ng plays it: which espeak voice and variant, at what `-p` and rate, plus
 * an optional formant-preserving pitch shift for pitches beyond espeak's range. Built-in
 * voices map to a recipe directly; designed and cloned voices store theirs in the account
 * voice's `params`.
 */
import { invalidInput } from '../../core/errors.js';
import type { AccountVoice, VoiceLookup } from '../provider.js';
import { f0At } from './calibration.js';
import { findVoice, type EspeakVoice } from './voices.js';

export const ENGINE = 'espeak-ng';
/** espeak's own default rate; speed 1.0 means exactly this */
export const BASE_WPM = 175;

export interface EspeakRecipe {
  /** espeak `-v`: language voice plus variant */
  espeak: string;
  /** espeak `-p` 0..99 */
  pitch: number;
  /** words per minute at speed 1 */
  wpm: number;
  /** frequency multiplier applied after synthesis; 1 = none */
  shift: number;
  /** expected median F0, Hz */
  f0_hz: number;
  language: string;
  /** espeak `-a` loudness, 0..200; 100 = espeak's default */
  amplitude?: number;
}

export function builtinRecipe(voice: EspeakVoice): EspeakRecipe {
  return { espeak: voice.espeak, pitch: voice.basePitch, wpm: BASE_WPM, shift: 1, f0_hz: f0At(voice.espeak, voice.basePitch), language: voice.language };
}

const num = (v: unknown, lo: number, hi: number) => typeof v === 'number' && Number.isFinite(v) && v >= lo && v <= hi;

/** Reads a recipe out of an account voice's params; null when they are not one. */
export function recipeOf(voice: AccountVoice): EspeakRecipe | null {
  const p = voice.params as Partial<EspeakRecipe>;
  if (voice.engine !== ENGINE || typeof p.espeak !== 'string' || !num(p.pitch, 0, 99) || !num(p.wpm, 40, 500) || !num(p.shift, 0.25, 4)) return null;
  return {
    espeak: p.espeak, pitch: p.pitch!, wpm: p.wpm!, shift: p.shift!, language: voice.language,
    f0_hz: num(p.f0_hz, 20, 2000) ? p.f0_hz! : f0At(p.espeak, p.pitch!) * p.shift!,
    ...(num(p.amplitude, 0, 200) ? { amplitude: p.amplitude } : {}),
  };
}

const unknownVoice = (id: string) =>
  invalidInput(`Unknown voice "${id}": no built-in voice and no voice of this account has that id (GET /v1/voices lists them).`, { field: 'voice' });

/** The recipe for a voice id, looking in the account when it is not built in. */
export async function resolveRecipe(voiceId: string, account: VoiceLookup | undefined): Promise<EspeakRecipe> {
  const builtin = findVoice(voiceId);
  if (builtin) return builtinRecipe(builtin);
  if (!account) throw unknownVoice(voiceId);
  const voice = await account.getVoice(voiceId);
  if (!voice) throw unknownVoice(voiceId);
  const recipe = recipeOf(voice);
  if (!recipe) {
    throw invalidInput(`Voice "${voiceId}" is a ${voice.engine} voice; it cannot be spoken by espeak-ng. Pick a model of that engine.`, { field: 'voice' });
  }
  return recipe;
}
