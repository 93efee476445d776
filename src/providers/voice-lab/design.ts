/**
 * voice/design: a description and a text → candidate voices that follow the description,
 * each saved as an account voice with a spoken sample. Candidates differ in espeak variant
 * (timbre) and spread a little around the target pitch and pace, so a person has a choice.
 */
import type { ProviderContext, ProviderOutput } from '../provider.js';
import type { Task } from '../../core/task.js';
import type { StoredFile } from '../../core/task.js';
import type { EnginePool } from '../engine-pool.js';
import type { AccountVoice } from '../provider.js';
import { designInput } from './validate.js';
import { parseDescription, targetFor } from './traits.js';
import { accountVoice, recipeFor, speakRecipe, voiceView, writeAudio, type Gender } from './speak.js';
import { accountVoiceId } from './voice-ids.js';

const F0_SPREAD = [1, 0.94, 1.06, 0.9, 1.1];
const WPM_SPREAD = [1, 1.04, 0.96, 1.07, 0.93];

export async function runDesign(task: Task, ctx: ProviderContext, pool: EnginePool): Promise<ProviderOutput> {
  const input = designInput(task.input);
  const traits = parseDescription(input.description);
  const language = input.language ?? traits.language ?? 'en-US';
  // with no gender in the description, offer one of each
  const genders: Gender[] = traits.gender ? [traits.gender] : ['female', 'male', 'neutral'];
  const files: StoredFile[] = [];
  const voices: AccountVoice[] = [];
  const baseName = input.name ?? input.description.replace(/\s+/g, ' ').slice(0, 60);
  for (let i = 0; i < input.candidates; i++) {
    ctx.signal.throwIfAborted();
    const gender = genders[i % genders.length]!;
    const target = targetFor(traits, gender);
    const recipe = recipeFor({
      language, gender, f0: target.f0_hz * F0_SPREAD[i]!, wpm: target.wpm * WPM_SPREAD[i]!,
      index: Math.floor(i / genders.length), amplitude: target.amplitude,
    });
    const audio = await speakRecipe(pool, recipe, input.text, ctx.signal);
    const file = await writeAudio(pool, ctx, `candidate-${i + 1}`, audio, input.format);
    files.push(file);
    voices.push(accountVoice(accountVoiceId(task.id, i), `${baseName} #${i + 1}`, gender, recipe, file, { source: 'design', description: input.description }));
    ctx.progress((i + 1) / input.candidates);
  }
  return {
    result: { files, voices: voices.map((v, i) => voiceView(v, i)), description_traits: traits },
    voices,
    credits: input.candidates,
  };
}
