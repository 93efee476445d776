/**
 * voice/convert: the source speech re-pitched toward the target voice. The pitch ratio is
 * target median F0 / source median F0 (both measured with YIN, or the target voice's own
 * recipe F0); Rubber Band shifts by it with formants preserved, so words, timing and the
 * speaker's vocal tract stay, and only the pitch moves. It is not a timbre transfer.
 */
import type { ProviderContext, ProviderOutput } from '../provider.js';
import type { Task } from '../../core/task.js';
import type { EnginePool } from '../engine-pool.js';
import { resolveRecipe } from '../espeak/recipe.js';
import { convertInput } from './validate.js';
import { loadSpeech, type ReferenceOptions } from './reference.js';
import { writeAudio } from './speak.js';

const MAX_RATIO = 3;

export async function runConvert(task: Task, ctx: ProviderContext, pool: EnginePool, opts: ReferenceOptions): Promise<ProviderOutput> {
  const input = convertInput(task.input, opts);
  const source = await loadSpeech('source_audio', input.source_audio, ctx, pool, opts);
  ctx.progress(0.2);
  const targetF0 = input.voice
    ? (await resolveRecipe(input.voice, ctx.account)).f0_hz
    : (await loadSpeech('reference_audio', input.reference_audio!, ctx, pool, opts)).analysis.median_f0_hz!;
  ctx.progress(0.35);
  const sourceF0 = source.analysis.median_f0_hz!;
  const ratio = Math.max(1 / MAX_RATIO, Math.min(MAX_RATIO, targetF0 / sourceF0));
  const converted = await pool.shift(source.audio, { pitch: ratio, preserveFormants: input.preserve_formants }, ctx.signal);
  ctx.progress(0.8);
  const measured = await pool.analyse(converted, ctx.signal);
  const file = await writeAudio(pool, ctx, 'converted', converted, input.format);
  const round = (v: number | null) => (v === null ? null : Math.round(v * 100) / 100);
  return {
    result: {
      files: [file],
      analysis: {
        source_f0_hz: round(sourceF0), target_f0_hz: round(targetF0), output_f0_hz: round(measured.median_f0_hz),
        pitch_ratio: round(ratio), preserve_formants: input.preserve_formants,
      },
    },
    // one credit per started 30 s of source
    credits: Math.max(1, Math.ceil(source.analysis.duration_s / 30)),
  };
}
