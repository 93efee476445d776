/** Routes a (capability, action, model?) request to the provider that serves it. */
import { invalidRequest, unknownModel } from './errors.js';
import { CAPABILITY_ACTIONS, type Capability } from './task.js';
import type { ModelInfo, Provider } from '../providers/provider.js';

export interface Route {
  provider: Provider;
  model: ModelInfo;
}

export class ModelRegistry {
  private readonly byModel = new Map<string, Route>();

  constructor(readonly providers: Provider[]) {
    for (const provider of providers) {
      for (const model of provider.models) {
        // first registration wins; later providers of the same model are fallbacks (a later issue)
        if (!this.byModel.has(model.id)) this.byModel.set(model.id, { provider, model });
      }
    }
  }

  models(): ModelInfo[] {
    return [...this.byModel.values()].map((r) => r.model);
  }

  providerFor(modelId: string): Provider | undefined {
    return this.byModel.get(modelId)?.provider;
  }

  modelIds(): string[] {
    return [...this.byModel.keys()];
  }

  resolve(capability: string, action: string, modelId?: string): Route {
    const actions = (CAPABILITY_ACTIONS as Record<string, readonly string[]>)[capability];
    if (!actions) {
      throw invalidRequest(
        `Unknown capability "${capability}". Use one of: ${Object.keys(CAPABILITY_ACTIONS).join(', ')}`,
      );
    }
    if (!actions.includes(action)) {
      throw invalidRequest(`Unknown action "${action}" for capability "${capability}". Use one of: ${actions.join(', ')}`);
    }
    const candidates = this.models().filter((m) => m.capability === capability && m.action === action);
    if (modelId !== undefined) {
      const route = this.byModel.get(modelId);
      if (!route) {
        throw unknownModel(`Unknown model "${modelId}". GET /v1/models lists the models this server offers`);
      }
      if (route.model.capability !== capability || route.model.action !== action) {
        throw unknownModel(`Model "${modelId}" serves ${route.model.capability}/${route.model.action}, not ${capability}/${action}`);
      }
      return route;
    }
    const chosen = candidates.find((m) => m.default) ?? candidates[0];
    if (!chosen) {
      throw unknownModel(`No model on this server serves ${capability as Capability}/${action} yet`);
    }
    return this.byModel.get(chosen.id)!;
  }
}
