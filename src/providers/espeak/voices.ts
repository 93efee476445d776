/**
 * genq's built-in eSpeak NG voices. Each one is an espeak language voice plus a variant
 * file from `voices/!v`. Only variants that use the plain formant synthesizer are used:
 * the WASM build has no Klatt support, so `+klatt*`, `+adam`, `+Reed` and friends fail
 * with "Bad voice attribute" and silently fall back to the default sound. Variants are also
 * ignored after a region tag (`en-gb+f2`, `fr-fr+f4` speak male at ~100 Hz), so British
 * English and French use the plain language voices `en` and `fr`.
 */
import type { BuiltinVoice } from '../provider.js';

export interface EspeakVoice extends BuiltinVoice {
  /** the `-v` argument: espeak language voice, optionally `+variant` */
  espeak: string;
  /** espeak `-p` at pitch multiplier 1 (0..99, espeak's own default is 50) */
  basePitch: number;
  /** the voice picked when a request names only this voice's language */
  languageDefault?: boolean;
}

const v = (
  id: string,
  name: string,
  language: string,
  gender: BuiltinVoice['gender'],
  espeak: string,
  basePitch = 50,
  languageDefault = false,
): EspeakVoice => ({ id, name, language, gender, engine: 'espeak-ng', espeak, basePitch, languageDefault });

export const ESPEAK_VOICES: readonly EspeakVoice[] = [
  v('en-us-male-1', 'Adam (US English)', 'en-US', 'male', 'en-us', 50, true),
  v('en-us-male-2', 'Brian (US English, deep)', 'en-US', 'male', 'en-us+m3', 38),
  v('en-us-female-1', 'Clara (US English)', 'en-US', 'female', 'en-us+f3', 50),
  v('en-us-female-2', 'Dana (US English, soft)', 'en-US', 'female', 'en-us+f4', 55),
  v('en-gb-male-1', 'Edward (British English)', 'en-GB', 'male', 'en', 50, true),
  v('en-gb-female-1', 'Fiona (British English)', 'en-GB', 'female', 'en+f2', 50),
  v('de-de-male-1', 'Georg (German)', 'de-DE', 'male', 'de', 50, true),
  v('de-de-female-1', 'Hanna (German)', 'de-DE', 'female', 'de+f3', 50),
  v('fr-fr-male-1', 'Henri (French)', 'fr-FR', 'male', 'fr', 50, true),
  v('fr-fr-female-1', 'Inès (French)', 'fr-FR', 'female', 'fr+f4', 50),
  v('es-es-male-1', 'Javier (Spanish)', 'es-ES', 'male', 'es', 50, true),
  v('es-es-female-1', 'Lucía (Spanish)', 'es-ES', 'female', 'es+f3', 50),
  v('it-it-male-1', 'Marco (Italian)', 'it-IT', 'male', 'it+m1', 50, true),
  v('it-it-female-1', 'Giulia (Italian)', 'it-IT', 'female', 'it+f2', 50),
  v('pt-br-female-1', 'Beatriz (Brazilian Portuguese)', 'pt-BR', 'female', 'pt-br+f4', 50, true),
  v('pt-pt-male-1', 'Tiago (European Portuguese)', 'pt-PT', 'male', 'pt', 50, true),
  v('nl-nl-male-1', 'Daan (Dutch)', 'nl-NL', 'male', 'nl', 50, true),
  v('pl-pl-female-1', 'Zofia (Polish)', 'pl-PL', 'female', 'pl+f3', 50, true),
];

export const DEFAULT_VOICE_ID = 'en-us-male-1';

const byId = new Map(ESPEAK_VOICES.map((voice) => [voice.id, voice]));

export function findVoice(id: string): EspeakVoice | undefined {
  return byId.get(id.toLowerCase());
}

/** `en-GB` → `en`: requests may name a whole language family, not just one region */
export const languageFamily = (tag: string) => tag.split(/[-_]/)[0]!.toLowerCase();

/**
 * The voice for a request that names a language but no voice: an exact tag match wins
 * (`en-GB` → the British voice), else the family default (`en`, `en-AU` → US English).
 */
export function defaultVoiceFor(language: string): EspeakVoice | undefined {
  const tag = language.replace(/_/g, '-').toLowerCase();
  const exact = ESPEAK_VOICES.filter((voice) => voice.language.toLowerCase() === tag);
  if (exact.length) return exact.find((voice) => voice.languageDefault) ?? exact[0];
  const family = ESPEAK_VOICES.filter((voice) => languageFamily(voice.language) === languageFamily(tag));
  return family.find((voice) => voice.languageDefault) ?? family[0];
}

/** The public view: espeak internals stay out of API responses. */
export function publicVoices(): BuiltinVoice[] {
  return ESPEAK_VOICES.map(({ id, name, language, gender, engine }) => ({ id, name, language, gender, engine }));
}

export const SUPPORTED_LANGUAGES = [...new Set(ESPEAK_VOICES.map((voice) => voice.language))];
