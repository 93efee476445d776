/**
 * Flite (CMU), a second embedded English engine: diphone (kal) and clustergen statistical
 * parametric voices (awb, rms, slt), smoother than espeak's formants but English only and
 * still clearly synthetic. Runs under node:wasi in the shared engine pool.
 */
import { invalidInput, providerError } from '../../core/errors.js';
import type { BuiltinVoice, ModelInfo, Provider, ProviderContext, ProviderOutput } from '../provider.js';
import type { Task } from '../../core/task.js';
import type { EnginePool } from '../engine-pool.js';
import { concatAudio, durationOf, type Audio } from '../audio/audio.js';
import { CONTENT_TYPES, type AudioFormat } from '../audio/formats.js';
import { splitText } from '../espeak/chunk.js';
import { audioFormat, estimateCredits, optionalString, ratio, text } from '../espeak/validate.js';
import { languageFamily } from '../espeak/voices.js';

const MODEL: ModelInfo = {
  id: 'flite',
  capability: 'voice',
  action: 'tts',
  timeout_s: 300,
  description: 'CMU Flite, embedded and CPU-only: US and Scottish English voices (diphone and statistical parametric), smoother than espeak-ng, English only. WAV, MP3 or Ogg.',
};

interface FliteVoice extends BuiltinVoice {
  flite: string;
}

const v = (id: string, name: string, language: string, gender: BuiltinVoice['gender'], flite: string): FliteVoice =>
  ({ id, name, language, gender, engine: 'flite', flite });

export const FLITE_VOICES: readonly FliteVoice[] = [
  v('flite-slt', 'SLT (US English, Flite)', 'en-US', 'female', 'slt'),
  v('flite-rms', 'RMS (US English, Flite)', 'en-US', 'male', 'rms'),
  v('flite-awb', 'AWB (Scottish English, Flite)', 'en-GB', 'male', 'awb'),
  v('flite-kal16', 'Kal (US English, Flite diphone)', 'en-US', 'male', 'kal16'),
];
const DEFAULT = 'flite-slt';

interface FliteInput {
  text: string;
  voice: string;
  speed: number;
  pitch: number;
  format: AudioFormat;
}

const FIELDS = ['text', 'voice', 'language', 'speed', 'pitch', 'format', 'ssml'];

function normalise(input: Record<string, unknown>): FliteInput {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalidInput('The input must be a JSON object with at least a "text" field.');
  const unknown = Object.keys(input).filter((k) => !FIELDS.includes(k));
  if (input.ssml === true) throw invalidInput('Flite does not read SSML here; use the espeak-ng model for SSML.', { field: 'ssml' });
  if (unknown.length) throw invalidInput(`Unknown field "${unknown[0]}". Allowed fields: ${FIELDS.join(', ')}.`, { field: unknown[0] });
  const t = text(input);
  if (/^<speak[\s>]/i.test(t)) throw invalidInput('Flite does not read SSML here; use the espeak-ng model for SSML.', { field: 'text' });
  const voiceId = (optionalString(input, 'voice') || DEFAULT).toLowerCase();
  const voice = FLITE_VOICES.find((x) => x.id === voiceId);
  if (!voice) throw invalidInput(`Unknown flite voice "${voiceId}". Use one of: ${FLITE_VOICES.map((x) => x.id).join(', ')}.`, { field: 'voice' });
  const language = optionalString(input, 'language');
  if (language && languageFamily(language) !== 'en') throw invalidInput(`Flite speaks English only, not "${language}". Use the espeak-ng model for other languages.`, { field: 'language' });
  return { text: t, voice: voice.id, speed: ratio(input, 'speed'), pitch: ratio(input, 'pitch'), format: audioFormat(input) };
}

export function createFliteProvider(pool: EnginePool): Provider {
  return {
    id: 'flite',
    models: [MODEL],
    voices: FLITE_VOICES.map(({ id, name, language, gender, engine }) => ({ id, name, language, gender, engine })),
    validate: (_model, input) => ({ ...normalise(input) }),
    estimate: (_model, input) => estimateCredits(input),

    async run(task: Task, ctx: ProviderContext): Promise<ProviderOutput> {
      const input = normalise(task.input);
      const voice = FLITE_VOICES.find((x) => x.id === input.voice)!;
      const chunks = splitText(input.text, 'en');
      const parts: Audio[] = [];
      for (const [i, chunk] of chunks.entries()) {
        ctx.signal.throwIfAborted();
        let out;
        try {
          out = await pool.speak({ engine: 'flite', voice: voice.flite, text: chunk, durationStretch: 1 / input.speed, shift: input.pitch }, ctx.signal);
        } catch (e) {
          if (ctx.signal.aborted) throw ctx.signal.reason;
          throw providerError(`flite failed: ${e instanceof Error ? e.message : String(e)}`, true, e);
        }
        if (!out.audio) throw providerError(`flite produced no audio: ${out.error ?? ''}`, false);
        parts.push(out.audio);
        // the last step (1) is reported once the file is encoded and written
        if (i + 1 < chunks.length) ctx.progress((i + 1) / chunks.length);
      }
      const audio = concatAudio(parts);
      const data = await pool.encode(audio, input.format, ctx.signal);
      const stored = await ctx.writeFile({ name: `speech.${input.format}`, data, format: input.format, content_type: CONTENT_TYPES[input.format], duration_s: durationOf(audio) });
      ctx.progress(1);
      return { result: { files: [stored] }, credits: estimateCredits({ text: input.text }) };
    },
  };
}
