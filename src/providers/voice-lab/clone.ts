/**
 * voice/clone by signal processing: the reference's median F0 (YIN) and pace (syllable
 * rate) are measured, an espeak recipe is set to match them, and the result is measured
 * again and corrected once. What carries over is pitch and pace; timbre, accent and
 * everything else that makes a voice personal do not (that needs a neural upstream).
 */
import type { ProviderContext, ProviderOutput } from '../provider.js';
import type { Task } from '../../core/task.js';
import type { EnginePool } from '../engine-pool.js';
import { cloneInput } from './validate.js';
import { loadSpeech, type ReferenceOptions } from './reference.js';
import { accountVoice, recipeFor, speakRecipe, voiceView, writeAudio, type Gender } from './speak.js';
import { accountVoiceId } from './voice-ids.js';

/** Below this median F0 a reference is taken for a male voice, when no gender is given. */
const GENDER_SPLIT_HZ = 160;
const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));

export async function runClone(task: Task, ctx: ProviderContext, pool: EnginePool, opts: ReferenceOptions): Promise<ProviderOutput> {
  const input = cloneInput(task.input, opts);
  const ref = await loadSpeech('reference_audio', input.reference_audio, ctx, pool, opts);
  ctx.progress(0.25);
  const targetF0 = ref.analysis.median_f0_hz!;
  const gender: Gender = input.gender ?? (targetF0 < GENDER_SPLIT_HZ ? 'male' : 'female');
  let recipe = recipeFor({ language: input.language, gender, f0: targetF0, wpm: 175 });

  // pace: the engine's own syllable rate at 175 wpm, measured with the same ruler as the reference
  const probe = await pool.analyse(await speakRecipe(pool, recipe, input.text, ctx.signal), ctx.signal);
  if (ref.analysis.syllables_per_s && probe.syllables_per_s) {
    recipe = { ...recipe, wpm: Math.round(clamp(175 * (ref.analysis.syllables_per_s / probe.syllables_per_s), 80, 400)) };
  }
  ctx.progress(0.5);

  let audio = await speakRecipe(pool, recipe, input.text, ctx.signal);
  let measured = await pool.analyse(audio, ctx.signal);
  // one correction step: the calibration table is per variant, not per language and text
  if (measured.median_f0_hz && Math.abs(measured.median_f0_hz / targetF0 - 1) > 0.08) {
    const shift = clamp((recipe.shift * targetF0) / measured.median_f0_hz, 0.25, 4);
    recipe = { ...recipe, shift: Math.round(shift * 1000) / 1000 };
    audio = await speakRecipe(pool, recipe, input.text, ctx.signal);
    measured = await pool.analyse(audio, ctx.signal);
  }
  ctx.progress(0.9);
  const file = await writeAudio(pool, ctx, 'sample', audio, input.format);
  const voice = accountVoice(accountVoiceId(task.id, 0), input.name, gender, { ...recipe, f0_hz: Math.round(targetF0) }, file, {
    source: 'clone', reference_f0_hz: Math.round(targetF0), reference_syllables_per_s: ref.analysis.syllables_per_s,
  });
  const round = (v: number | null) => (v === null ? null : Math.round(v * 100) / 100);
  return {
    result: {
      files: [file],
      voice_id: voice.id,
      voices: [voiceView(voice, 0)],
      analysis: {
        reference: { duration_s: round(ref.analysis.duration_s), median_f0_hz: round(targetF0), syllables_per_s: round(ref.analysis.syllables_per_s) },
        voice: { median_f0_hz: round(measured.median_f0_hz), syllables_per_s: round(measured.syllables_per_s), wpm: recipe.wpm, pitch_shift: recipe.shift },
      },
    },
    voices: [voice],
    credits: 5,
  };
}
