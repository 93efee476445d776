/**
 * Speech engines installed from Debian packages, offered as extra models when start-up finds
 * them (see detect.ts): `espeak-ng-system` runs the native espeak-ng binary (the same voices
 * as the embedded WASM build, at native speed) and `festival-hts` runs Festival with the CMU
 * SLT HTS voice (statistical parametric, smoother than formant speech; US English, one female
 * voice). Each runs as a child process; decoding and MP3/Ogg encoding use the engine pool.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { invalidInput, providerError } from '../../core/errors.js';
import type { Task } from '../../core/task.js';
import type { EnginePool } from '../engine-pool.js';
import type { ModelInfo, Provider, ProviderContext, ProviderOutput } from '../provider.js';
import { concatAudio, durationOf, type Audio } from '../audio/audio.js';
import { CONTENT_TYPES, type AudioFormat } from '../audio/formats.js';
import { splitText } from '../espeak/chunk.js';
import { builtinRecipe } from '../espeak/recipe.js';
import { audioFormat, estimateCredits, normaliseInput, optionalString, ratio, text } from '../espeak/validate.js';
import { findVoice, languageFamily } from '../espeak/voices.js';
import type { SystemEngines } from './detect.js';
import { runCommand } from './run-command.js';

const ESPEAK_MODEL: ModelInfo = {
  id: 'espeak-ng-system', capability: 'voice', action: 'tts', timeout_s: 300,
  description: 'espeak-ng from the Debian package (native binary): the built-in espeak voices, faster than the embedded build. Built-in voices only.',
};
const FESTIVAL_MODEL: ModelInfo = {
  id: 'festival-hts', capability: 'voice', action: 'tts', timeout_s: 300,
  description: 'Festival with the CMU SLT HTS voice (Debian packages): statistical parametric US English, female. Text, speed and format.',
};
const FESTIVAL_FIELDS = ['text', 'voice', 'language', 'speed', 'format'];

async function toAudio(pool: EnginePool, wav: Uint8Array, signal: AbortSignal, engine: string): Promise<Audio> {
  const out = await pool.decode(wav, signal);
  if ('error' in out) throw providerError(`${engine} produced no readable audio: ${out.error}`, false);
  return out.audio;
}

/** Synthesizes chunk by chunk with progress, then encodes and stores one file. */
async function speakAll(pool: EnginePool, ctx: ProviderContext, chunks: string[], format: AudioFormat, speak: (chunk: string) => Promise<Uint8Array>, engine: string): Promise<ProviderOutput['result']> {
  const parts: Audio[] = [];
  for (const [i, chunk] of chunks.entries()) {
    ctx.signal.throwIfAborted();
    let wav: Uint8Array;
    try {
      wav = await speak(chunk);
    } catch (e) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      throw providerError(`${engine} failed: ${e instanceof Error ? e.message : String(e)}`, true, e);
    }
    parts.push(await toAudio(pool, wav, ctx.signal, engine));
    if (i + 1 < chunks.length) ctx.progress((i + 1) / chunks.length);
  }
  const audio = concatAudio(parts);
  const data = await pool.encode(audio, format, ctx.signal);
  const stored = await ctx.writeFile({ name: `speech.${format}`, data, format, content_type: CONTENT_TYPES[format], duration_s: durationOf(audio) });
  ctx.progress(1);
  return { files: [stored] };
}

function espeakInput(input: Record<string, unknown>) {
  const n = normaliseInput(input);
  const voice = findVoice(n.voice);
  if (!voice) throw invalidInput(`Model espeak-ng-system speaks built-in voices only; "${n.voice}" is not one (use the espeak-ng model for account voices).`, { field: 'voice' });
  return { ...n, voice: voice.id };
}

function createSystemEspeak(bin: string, pool: EnginePool): Provider {
  return {
    id: 'espeak-ng-system',
    models: [ESPEAK_MODEL],
    validate: (_m, input) => espeakInput(input),
    estimate: (_m, input) => estimateCredits(input),
    async run(task: Task, ctx: ProviderContext): Promise<ProviderOutput> {
      const input = espeakInput(task.input);
      const recipe = builtinRecipe(findVoice(input.voice)!);
      const chunks = input.ssml ? [input.text] : splitText(input.text, input.language || recipe.language);
      const wpm = String(Math.round(recipe.wpm * input.speed));
      const pitch = String(Math.min(99, Math.max(0, Math.round(recipe.pitch * input.pitch))));
      const result = await speakAll(pool, ctx, chunks, input.format, (chunk) =>
        runCommand(bin, ['--stdout', '-v', recipe.espeak, '-s', wpm, '-p', pitch, ...(input.ssml ? ['-m'] : []), '--', chunk], '', ctx.signal), 'espeak-ng');
      return { result, credits: estimateCredits({ text: input.text }) };
    },
  };
}

function festivalInput(input: Record<string, unknown>) {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalidInput('The input must be a JSON object with at least a "text" field.');
  const unknown = Object.keys(input).filter((k) => !FESTIVAL_FIELDS.includes(k));
  if (unknown.length) throw invalidInput(`Unknown field "${unknown[0]}" for festival-hts. Allowed fields: ${FESTIVAL_FIELDS.join(', ')}.`, { field: unknown[0] });
  const voice = optionalString(input, 'voice');
  if (voice && voice !== 'festival-slt-hts') throw invalidInput(`festival-hts has one voice, "festival-slt-hts"; got "${voice}".`, { field: 'voice' });
  const language = optionalString(input, 'language');
  if (language && languageFamily(language) !== 'en') throw invalidInput(`festival-hts speaks English only, not "${language}".`, { field: 'language' });
  return { text: text(input), voice: 'festival-slt-hts', speed: ratio(input, 'speed'), format: audioFormat(input) };
}

/** text2wave seeks back to fill in the WAV header, which a pipe cannot do: it writes a file */
async function festivalChunk(bin: string, args: string[], text: string, signal: AbortSignal): Promise<Uint8Array> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'genq-festival-'));
  try {
    const file = path.join(dir, 'out.wav');
    await runCommand(bin, [...args, '-o', file], text, signal);
    return new Uint8Array(await fs.readFile(file));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

function createFestival(festival: NonNullable<SystemEngines['festival']>, pool: EnginePool): Provider {
  return {
    id: 'festival-hts',
    models: [FESTIVAL_MODEL],
    voices: [{ id: 'festival-slt-hts', name: 'SLT (US English, Festival HTS)', language: 'en-US', gender: 'female', engine: 'festival' }],
    validate: (_m, input) => festivalInput(input),
    estimate: (_m, input) => estimateCredits(input),
    async run(task: Task, ctx: ProviderContext): Promise<ProviderOutput> {
      const input = festivalInput(task.input);
      // HTS voices ignore Festival's Duration_Stretch; hts_engine's own "-r" is the speaking rate (> 1 faster)
      const rate = input.speed.toFixed(3);
      const args = ['-eval', `(${festival.voice})`, '-eval', `(set! hts_engine_params (append hts_engine_params (list (list "-r" ${rate}))))`];
      const result = await speakAll(pool, ctx, splitText(input.text, 'en'), input.format, (chunk) => festivalChunk(festival.text2wave, args, chunk, ctx.signal), 'festival');
      return { result, credits: estimateCredits({ text: input.text }) };
    },
  };
}

export function createSystemEngineProviders(engines: SystemEngines, pool: EnginePool): Provider[] {
  const out: Provider[] = [];
  if (engines.espeakNg) out.push(createSystemEspeak(engines.espeakNg, pool));
  if (engines.festival) out.push(createFestival(engines.festival, pool));
  return out;
}
