/** Input schemas of voice design, clone and convert. Every message says what to send instead. */
import { invalidInput } from '../../core/errors.js';
import type { AudioFormat } from '../audio/formats.js';
import { audioFormat, charCount, optionalString } from '../espeak/validate.js';
import { findVoice } from '../espeak/voices.js';
import { checkReference, type ReferenceOptions } from './reference.js';
import { isAccountVoiceId } from './voice-ids.js';
import { espeakLanguage, type Gender } from './speak.js';

export const MAX_SAMPLE_CHARS = 1000;
export const DEFAULT_SAMPLE_TEXT = 'Hello! This is my new voice. I hope you like the way it sounds.';

const bad = (field: string, message: string) => invalidInput(message, { field });

function object(input: Record<string, unknown>, fields: string[]): void {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalidInput('The input must be a JSON object.');
  const unknown = Object.keys(input).filter((k) => !fields.includes(k));
  if (unknown.length) throw bad(unknown[0]!, `Unknown field "${unknown[0]}". Allowed fields: ${fields.join(', ')}.`);
}

function boundedText(input: Record<string, unknown>, field: string, max: number, fallback?: string): string {
  const v = optionalString(input, field);
  if (!v) {
    if (fallback !== undefined) return fallback;
    throw bad(field, `"${field}" is required and must not be empty.`);
  }
  if (charCount(v) > max) throw bad(field, `"${field}" is ${charCount(v)} characters; the limit is ${max}.`);
  return v;
}

function language(input: Record<string, unknown>, fallback: string | null): string | null {
  const v = optionalString(input, 'language');
  if (!v) return fallback;
  return espeakLanguage(v).language;
}

function gender(input: Record<string, unknown>): Gender | null {
  const v = optionalString(input, 'gender');
  if (!v) return null;
  const g = v.toLowerCase();
  if (g === 'male' || g === 'female' || g === 'neutral') return g;
  throw bad('gender', `"gender" must be "male", "female" or "neutral", got "${v}".`);
}

export interface DesignInput {
  description: string;
  text: string;
  language: string | null;
  candidates: number;
  format: AudioFormat;
  name: string | null;
}

export function designInput(input: Record<string, unknown>): DesignInput {
  object(input, ['description', 'text', 'language', 'candidates', 'format', 'name']);
  const n = input.candidates ?? 3;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 3 || n > 5) throw bad('candidates', `"candidates" must be an integer from 3 to 5 (default 3), got ${JSON.stringify(n)}.`);
  return {
    description: boundedText(input, 'description', 1000),
    text: boundedText(input, 'text', MAX_SAMPLE_CHARS),
    language: language(input, null),
    candidates: n,
    format: audioFormat(input),
    name: optionalString(input, 'name') ? boundedText(input, 'name', 100) : null,
  };
}

export interface CloneInput {
  reference_audio: string;
  name: string;
  language: string;
  gender: Gender | null;
  text: string;
  format: AudioFormat;
}

export function cloneInput(input: Record<string, unknown>, opts: ReferenceOptions): CloneInput {
  object(input, ['reference_audio', 'name', 'language', 'gender', 'text', 'format']);
  return {
    reference_audio: checkReference('reference_audio', input.reference_audio, opts),
    name: boundedText(input, 'name', 100),
    language: language(input, 'en-US')!,
    gender: gender(input),
    text: boundedText(input, 'text', MAX_SAMPLE_CHARS, DEFAULT_SAMPLE_TEXT),
    format: audioFormat(input),
  };
}

export interface ConvertInput {
  source_audio: string;
  voice: string | null;
  reference_audio: string | null;
  format: AudioFormat;
  preserve_formants: boolean;
}

export function convertInput(input: Record<string, unknown>, opts: ReferenceOptions): ConvertInput {
  object(input, ['source_audio', 'voice', 'reference_audio', 'format', 'preserve_formants']);
  const voice = optionalString(input, 'voice') || null;
  const hasRef = input.reference_audio !== undefined && input.reference_audio !== null;
  if (!voice && !hasRef) throw bad('voice', 'Send the target as "voice" (a voice id) or "reference_audio" (audio of the target speaker).');
  if (voice && hasRef) throw bad('reference_audio', 'Send either "voice" or "reference_audio", not both.');
  if (voice && !findVoice(voice) && !isAccountVoiceId(voice)) {
    throw bad('voice', `Unknown voice "${voice}". Use a built-in voice id or one of this account's voices (GET /v1/voices).`);
  }
  const pf = input.preserve_formants ?? true;
  if (typeof pf !== 'boolean') throw bad('preserve_formants', '"preserve_formants" must be true or false.');
  return {
    source_audio: checkReference('source_audio', input.source_audio, opts),
    voice: voice ? (findVoice(voice)?.id ?? voice) : null,
    reference_audio: hasRef ? checkReference('reference_audio', input.reference_audio, opts) : null,
    format: audioFormat(input),
    preserve_formants: pf,
  };
}
