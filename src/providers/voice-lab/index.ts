/**
 * The voice lab: voice design, cloning and conversion by signal processing, on the local
 * engines. Models `espeak-ng-design`, `espeak-ng-clone` and `rubberband-convert`.
 */
import type { ModelInfo, Provider, ProviderContext, ProviderOutput } from '../provider.js';
import type { Task } from '../../core/task.js';
import type { EnginePool } from '../engine-pool.js';
import { resolveRecipe } from '../espeak/recipe.js';
import { cloneInput, convertInput, designInput } from './validate.js';
import { runDesign } from './design.js';
import { runClone } from './clone.js';
import { runConvert } from './convert.js';
import type { ReferenceOptions } from './reference.js';

const DESIGN: ModelInfo = {
  id: 'espeak-ng-design', capability: 'voice', action: 'design', default: true, timeout_s: 300,
  description: 'Voice design on eSpeak NG: reads gender, age, pitch, pace and energy from a description and offers 3-5 candidate voices with samples, saved to the account.',
};
const CLONE: ModelInfo = {
  id: 'espeak-ng-clone', capability: 'voice', action: 'clone', default: true, timeout_s: 300,
  description: 'Pitch-and-pace voice matching: measures a reference recording (YIN pitch, syllable rate) and saves an eSpeak NG voice that matches them. Not a neural clone: timbre is not copied.',
};
const CONVERT: ModelInfo = {
  id: 'rubberband-convert', capability: 'voice', action: 'convert', default: true, timeout_s: 600,
  description: 'Re-pitches speech toward a target voice with Rubber Band (formant-preserving pitch shift). Words, timing and timbre stay; only the pitch moves.',
};

export function createVoiceLabProvider(pool: EnginePool, opts: ReferenceOptions): Provider {
  return {
    id: 'voice-lab',
    models: [DESIGN, CLONE, CONVERT],

    validate(model, input) {
      if (model.id === DESIGN.id) return { ...designInput(input) };
      if (model.id === CLONE.id) return { ...cloneInput(input, opts) };
      return { ...convertInput(input, opts) };
    },

    async validateForAccount(model, input, voices) {
      // a convert target named by id must exist for this account now, not fail later
      if (model.id === CONVERT.id && typeof input.voice === 'string') await resolveRecipe(input.voice, voices);
      return input;
    },

    estimate(model, input) {
      if (model.id === DESIGN.id) return typeof input.candidates === 'number' ? input.candidates : 3;
      if (model.id === CLONE.id) return 5;
      return 10;
    },

    run(task: Task, ctx: ProviderContext): Promise<ProviderOutput> {
      if (task.model === DESIGN.id) return runDesign(task, ctx, pool);
      if (task.model === CLONE.id) return runClone(task, ctx, pool, opts);
      return runConvert(task, ctx, pool, opts);
    },
  };
}
