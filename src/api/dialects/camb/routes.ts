/**
 * CAMB.AI at /camb (https://client.camb.ai/apis), authenticated by `x-api-key`. FastAPI-shaped
 * errors (errors.ts); integer voice, language, gender and run ids (tables.ts).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ApiContext } from '../../context.js';
import { dialectPlugin } from '../shared/plugin.js';
import { aliasTable } from '../shared/voices.js';
import { errorBody } from './errors.js';
import { CAMB_VOICE_DEFAULTS } from './tables.js';
import { registerTtsRoutes } from './tts-routes.js';
import { registerVoiceRoutes } from './voice-routes.js';

export function cambDialect(ctx: ApiContext): FastifyPluginAsync {
  const voices = aliasTable(CAMB_VOICE_DEFAULTS, ctx.config.voiceAliases.camb);
  return dialectPlugin(errorBody, (app) => {
    registerTtsRoutes(app, ctx, voices);
    registerVoiceRoutes(app, ctx, voices);
  });
}
