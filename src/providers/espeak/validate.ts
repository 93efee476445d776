/**
 * The espeak-ng input schema. Every message says what to send instead, because these
 * messages go straight back to API clients as INVALID_INPUT.
 */
import { invalidInput } from '../../core/errors.js';
import { AUDIO_FORMATS, isAudioFormat, type AudioFormat } from '../audio/formats.js';
import { isAccountVoiceId } from '../voice-lab/voice-ids.js';
import { DEFAULT_VOICE_ID, defaultVoiceFor, findVoice, languageFamily, SUPPORTED_LANGUAGES } from './voices.js';

export const MAX_TEXT_CHARS = 5000;
export const SUPPORTED_FORMATS = AUDIO_FORMATS;

export interface EspeakInput {
  text: string;
  /** a built-in voice id, or an account voice id (`voice_…`) */
  voice: string;
  /** empty only for an account voice before validateForAccount filled it in */
  language: string;
  speed: number;
  pitch: number;
  format: AudioFormat;
  /** the text is SSML (espeak `-m`): sent as true, or detected from a leading `<speak` */
  ssml: boolean;
}

const FIELDS = ['text', 'voice', 'language', 'speed', 'pitch', 'format', 'ssml'];

/** Code points, not UTF-16 units: "5000 characters" should mean what a person counts. */
export const charCount = (s: string) => [...s].length;

const bad = (field: string, message: string) => invalidInput(message, { field });

export function optionalString(input: Record<string, unknown>, field: string): string | undefined {
  const value = input[field];
  // null is how many JSON clients say "not set"; treat it like an absent field
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw bad(field, `"${field}" must be a string, got ${typeof value}.`);
  return value.trim();
}

export function ratio(input: Record<string, unknown>, field: string): number {
  const value = input[field];
  if (value === undefined || value === null) return 1;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw bad(field, `"${field}" must be a number between 0.5 and 2.0 (1.0 is normal), got ${JSON.stringify(value)}.`);
  }
  if (value < 0.5 || value > 2) throw bad(field, `"${field}" must be between 0.5 and 2.0 (1.0 is normal), got ${value}.`);
  return value;
}

export function text(input: Record<string, unknown>): string {
  const value = input.text;
  if (value === undefined || value === null) throw bad('text', '"text" is required: send the text to speak.');
  if (typeof value !== 'string') throw bad('text', `"text" must be a string, got ${typeof value}.`);
  const trimmed = value.trim();
  if (!trimmed) throw bad('text', '"text" must not be empty or only whitespace.');
  const n = charCount(trimmed);
  if (n > MAX_TEXT_CHARS) {
    throw bad('text', `"text" is ${n} characters; the limit is ${MAX_TEXT_CHARS}. Split it into several tasks.`);
  }
  return trimmed;
}

function voiceAndLanguage(input: Record<string, unknown>): { voice: string; language: string } {
  const voiceId = optionalString(input, 'voice');
  const language = optionalString(input, 'language');
  if (voiceId && isAccountVoiceId(voiceId) && !findVoice(voiceId)) {
    // the account's own voice: whether it exists is checked against the store at creation
    return { voice: voiceId, language: language ?? '' };
  }
  if (voiceId) {
    const voice = findVoice(voiceId);
    if (!voice) {
      throw bad('voice', `Unknown voice "${voiceId}". Use one of the built-in espeak-ng voices, e.g. "${DEFAULT_VOICE_ID}" (GET the voice list for all).`);
    }
    if (language && languageFamily(language) !== languageFamily(voice.language)) {
      throw bad('language', `"language" "${language}" does not match voice "${voice.id}", which speaks ${voice.language}. Drop one of the two or pick a matching voice.`);
    }
    return { voice: voice.id, language: voice.language };
  }
  if (language) {
    const voice = defaultVoiceFor(language);
    if (!voice) {
      throw bad('language', `Language "${language}" is not supported by espeak-ng voices here. Supported: ${SUPPORTED_LANGUAGES.join(', ')}.`);
    }
    return { voice: voice.id, language: voice.language };
  }
  return { voice: DEFAULT_VOICE_ID, language: findVoice(DEFAULT_VOICE_ID)!.language };
}

export function audioFormat(input: Record<string, unknown>): AudioFormat {
  const value = optionalString(input, 'format');
  if (value === undefined || value === '') return 'wav';
  const f = value.toLowerCase();
  if (isAudioFormat(f)) return f;
  throw bad('format', `Format "${value}" is not supported. Use one of: ${AUDIO_FORMATS.join(', ')} (default wav).`);
}

function ssml(input: Record<string, unknown>, text: string): boolean {
  const value = input.ssml;
  if (value !== undefined && value !== null && typeof value !== 'boolean') {
    throw bad('ssml', `"ssml" must be true or false, got ${JSON.stringify(value)}.`);
  }
  return value === true || (value !== false && /^<speak[\s>]/i.test(text));
}

/** Throws INVALID_INPUT; returns the input with every default filled in. */
export function normaliseInput(input: Record<string, unknown>): EspeakInput {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalidInput('The input must be a JSON object with at least a "text" field.');
  }
  const unknown = Object.keys(input).filter((key) => !FIELDS.includes(key));
  if (unknown.length) {
    throw bad(unknown[0]!, `Unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}. Allowed fields: ${FIELDS.join(', ')}.`);
  }
  const t = text(input);
  return {
    text: t,
    ...voiceAndLanguage(input),
    speed: ratio(input, 'speed'),
    pitch: ratio(input, 'pitch'),
    format: audioFormat(input),
    ssml: ssml(input, t),
  };
}

/** 1 credit per started 100 characters, at least 1; tolerant so it never throws. */
export function estimateCredits(input: Record<string, unknown>): number {
  const t = typeof input?.text === 'string' ? input.text.trim() : '';
  return Math.max(1, Math.ceil(charCount(t) / 100));
}
