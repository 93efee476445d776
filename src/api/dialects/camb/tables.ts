/**
 * CAMB.AI identifies voices, languages and genders by integers. These tables give genq's
 * built-in voices and languages such ids (docs/dialects.md explains each choice).
 */
import type { AliasTable } from '../shared/voices.js';

/**
 * voice_id → genq voice. 1–18 number the built-in eSpeak NG voices; 20303 (the official SDK's
 * README) and 147320 (the langchain-camb examples) are the vendor's own example ids, so those
 * snippets work unchanged. GENQ_VOICE_ALIASES.camb adds or overrides entries.
 */
export const CAMB_VOICE_DEFAULTS: AliasTable = {
  1: 'en-us-male-1', 2: 'en-us-male-2', 3: 'en-us-female-1', 4: 'en-us-female-2', 5: 'en-gb-male-1', 6: 'en-gb-female-1',
  7: 'de-de-male-1', 8: 'de-de-female-1', 9: 'fr-fr-male-1', 10: 'fr-fr-female-1', 11: 'es-es-male-1', 12: 'es-es-female-1',
  13: 'it-it-male-1', 14: 'it-it-female-1', 15: 'pt-br-female-1', 16: 'pt-pt-male-1', 17: 'nl-nl-male-1', 18: 'pl-pl-female-1',
  20303: 'en-us-female-1', 147320: 'en-us-male-1',
};

export interface CambLanguage {
  id: number;
  /** CAMB.AI's display name and short name (as in GET /source-languages) */
  language: string;
  short_name: string;
  /** the BCP 47 tag genq's engines take */
  tag: string;
}

/**
 * Ids 1, 31, 54, 76 and 88 are CAMB.AI's own (confirmed by the langchain-camb examples). For
 * the other languages genq speaks no public source gives CAMB.AI's id, so genq numbers them
 * from 9001 (a range the vendor is not known to use); GET /source-languages lists them.
 */
export const CAMB_LANGUAGES: readonly CambLanguage[] = [
  { id: 1, language: 'English (United States)', short_name: 'en-us', tag: 'en-US' },
  { id: 31, language: 'German (Germany)', short_name: 'de-de', tag: 'de-DE' },
  { id: 54, language: 'Spanish (Spain)', short_name: 'es-es', tag: 'es-ES' },
  { id: 76, language: 'French (France)', short_name: 'fr-fr', tag: 'fr-FR' },
  { id: 88, language: 'Japanese (Japan)', short_name: 'ja-jp', tag: 'ja-JP' },
  { id: 9001, language: 'English (United Kingdom)', short_name: 'en-uk', tag: 'en-GB' },
  { id: 9002, language: 'Italian (Italy)', short_name: 'it-it', tag: 'it-IT' },
  { id: 9003, language: 'Portuguese (Brazil)', short_name: 'pt-br', tag: 'pt-BR' },
  { id: 9004, language: 'Portuguese (Portugal)', short_name: 'pt-pt', tag: 'pt-PT' },
  { id: 9005, language: 'Dutch (Netherlands)', short_name: 'nl-nl', tag: 'nl-NL' },
  { id: 9006, language: 'Polish (Poland)', short_name: 'pl-pl', tag: 'pl-PL' },
];

export const languageById = (id: number) => CAMB_LANGUAGES.find((l) => l.id === id);
export const languageByTag = (tag: string) => CAMB_LANGUAGES.find((l) => l.tag.toLowerCase() === tag.toLowerCase());

/** `/tts-stream` takes CAMB.AI's string codes (`en-us`, `en-uk`, `pt-br`…): `en-uk` is its name for British English. */
export function tagOfCode(code: string): string {
  const c = code.trim().toLowerCase();
  if (c === 'en-uk') return 'en-GB';
  const [lang, region] = c.split(/[-_]/);
  return region ? `${lang}-${region.toUpperCase()}` : lang!;
}

/** CAMB.AI's gender codes: 0 not known, 1 male, 2 female, 9 not applicable. */
export const GENDER_CODES = [0, 1, 2, 9] as const;
export const genderCode = (g: string | null | undefined): number => (g === 'male' ? 1 : g === 'female' ? 2 : g === 'neutral' ? 9 : 0);
