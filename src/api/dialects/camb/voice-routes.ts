/**
 * CAMB.AI text-to-voice (voice design) and the catalog endpoints its clients call first:
 * list-voices and the source/target language lists.
 */
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../../context.js';
import { authenticate } from '../../auth.js';
import { renderFile } from '../../native/render.js';
import { createTask } from '../shared/create.js';
import { int } from '../shared/fields.js';
import { readTask, renderContext } from '../shared/read-task.js';
import type { AliasTable } from '../shared/voices.js';
import { textToVoiceRequest, toStatus } from './map.js';
import { StatusSchema, TaskIdSchema, taskForRun } from './shared.js';
import { CAMB_LANGUAGES, genderCode, languageByTag } from './tables.js';

const LanguageList = {
  type: 'array',
  items: { type: 'object', properties: { id: { type: 'integer' }, language: { type: 'string' }, short_name: { type: 'string' } } },
};

export function registerVoiceRoutes(app: FastifyInstance, ctx: ApiContext, voices: AliasTable): void {
  const builtin = () => new Map(ctx.registry.providers.flatMap((p) => p.voices ?? []).map((v) => [v.id, v]));

  app.post('/text-to-voice', { schema: { response: { 200: TaskIdSchema } } }, async (req) => {
    const { task } = await createTask(ctx, req, textToVoiceRequest(req.body), 'camb', 'fail-task');
    return { task_id: task.id };
  });

  app.get<{ Params: { task_id: string } }>('/text-to-voice/:task_id', { schema: { response: { 200: StatusSchema } } }, async (req, reply) =>
    toStatus(await readTask(ctx, req, reply, req.params.task_id)));

  app.get<{ Params: { run_id: string } }>('/text-to-voice-result/:run_id', async (req) => {
    const { account } = await authenticate(ctx.accounts, req);
    const task = await taskForRun(ctx, account.id, int(req.params, 'run_id', { required: true, where: 'path' }), 'design');
    const rc = renderContext(ctx, req);
    // one sample per designed voice; genq also names the saved voices, which the vendor does not
    const voiceIds = Array.isArray(task.result?.voices) ? (task.result.voices as Array<{ voice_id?: unknown }>).map((v) => v.voice_id) : undefined;
    return { previews: (task.result?.files ?? []).map((f) => renderFile(f, rc).url), ...(voiceIds ? { voice_ids: voiceIds } : {}) };
  });

  /** Voices reachable by an integer voice_id: every alias whose target is a built-in voice. */
  app.get('/list-voices', async (req) => {
    await authenticate(ctx.accounts, req);
    const known = builtin();
    return Object.entries(voices)
      .filter(([id, target]) => /^\d+$/.test(id) && known.has(target))
      .map(([id, target]) => {
        const v = known.get(target)!;
        return {
          id: Number(id), voice_name: v.name, gender: genderCode(v.gender), age: null,
          language: languageByTag(v.language)?.id ?? null, description: `genq built-in voice ${v.id} (${v.engine})`, is_published: false,
        };
      })
      .sort((a, b) => a.id - b.id);
  });

  /** Only languages some built-in voice speaks; an id outside this list is a 422 on create. */
  const languages = async (req: Parameters<typeof authenticate>[1]) => {
    await authenticate(ctx.accounts, req);
    const spoken = new Set([...builtin().values()].map((v) => v.language.toLowerCase()));
    return CAMB_LANGUAGES.filter((l) => spoken.has(l.tag.toLowerCase())).map(({ id, language, short_name }) => ({ id, language, short_name }));
  };
  app.get('/source-languages', { schema: { response: { 200: LanguageList } } }, languages);
  app.get('/target-languages', { schema: { response: { 200: LanguageList } } }, languages);
}
