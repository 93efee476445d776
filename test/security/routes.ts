/**
 * Every HTTP route genq serves, as a static table the hostile-input suite fuzzes. Kept in step
 * with the server by route-table.test.ts, which builds the real route tree in-process and fails
 * on any route missing here (or listed here but gone).
 *
 * A `template` is a valid body for the route; the fuzzer mutates it field by field, so most
 * requests get past the first type check and reach the core's validation.
 */

export type Dialect = 'native' | 'finevoice' | 'aiclone' | 'modelhunter' | 'camb' | 'ops' | 'web' | 'files';

/** What a 2xx answer of the route may have stored. */
export type Creates =
  | 'task' // one task, its id in the answer
  | 'tasks' // a batch: ids in data[]
  | 'hidden-task' // one task whose id the answer does not carry (CAMB.AI /tts-stream answers with audio)
  | 'upload'; // one file under <account>/uploads/

/** Ids and values of the fuzzing account that make a template valid. */
export interface TemplateIds {
  uploadId: string;
}

export interface RouteSpec {
  method: 'GET' | 'POST' | 'DELETE';
  /** exactly as registered with Fastify: `:param` and `*` */
  url: string;
  dialect: Dialect;
  /** needs an API key (false: public, or authorised by a URL signature) */
  auth: boolean;
  creates?: Creates;
  /** the request body the route reads */
  body?: 'json' | 'raw-audio';
  template?: (ids: TemplateIds) => Record<string, unknown>;
  /** answers with text/event-stream */
  sse?: boolean;
  /** holds the answer until its task is done (FineVoice conversion without useAsync, CAMB.AI /tts-stream) */
  sync?: boolean;
}

/** `.invalid` never resolves (RFC 2606): an accepted task's webhook goes nowhere, but passes the URL policy */
export const WEBHOOK_SINK = 'https://hooks.genq-fuzz.invalid/h';

const noopTask = () => ({
  capability: 'voice', action: 'tts', model: 'noop', input: { text: 'fuzz' },
  metadata: { k: 'v' }, priority: 0, timeout_s: 60, queue_ttl_s: 60, webhook: { url: WEBHOOK_SINK, events: ['task.succeeded'] },
});

export const ROUTES: readonly RouteSpec[] = [
  // native
  { method: 'POST', url: '/v1/tasks', dialect: 'native', auth: true, creates: 'task', body: 'json', template: noopTask },
  { method: 'POST', url: '/v1/tasks/batch', dialect: 'native', auth: true, creates: 'tasks', body: 'json', template: () => ({ tasks: [noopTask(), noopTask()] }) },
  { method: 'GET', url: '/v1/tasks', dialect: 'native', auth: true },
  { method: 'GET', url: '/v1/tasks/:id', dialect: 'native', auth: true },
  { method: 'POST', url: '/v1/tasks/:id/cancel', dialect: 'native', auth: true },
  { method: 'GET', url: '/v1/tasks/:id/events', dialect: 'native', auth: true, sse: true },
  { method: 'GET', url: '/v1/models', dialect: 'native', auth: false },
  { method: 'GET', url: '/v1/voices', dialect: 'native', auth: true },
  { method: 'GET', url: '/v1/account', dialect: 'native', auth: true },
  { method: 'GET', url: '/v1/account/ledger', dialect: 'native', auth: true },
  { method: 'POST', url: '/v1/account/webhook-secret/rotate', dialect: 'native', auth: true },
  { method: 'GET', url: '/v1/webhooks/deliveries', dialect: 'native', auth: true },
  { method: 'GET', url: '/v1/webhooks/deliveries/:id', dialect: 'native', auth: true },
  { method: 'POST', url: '/v1/webhooks/deliveries/:id/redeliver', dialect: 'native', auth: true },
  { method: 'GET', url: '/v1/status', dialect: 'native', auth: true },
  // answers with audio and stores no task
  { method: 'POST', url: '/v1/tts/stream', dialect: 'native', auth: true, body: 'json', template: () => ({ model: 'espeak-ng', input: { text: 'fuzz', voice: 'en-us-male-1' } }) },
  { method: 'POST', url: '/v1/uploads', dialect: 'native', auth: true, creates: 'upload', body: 'raw-audio' },
  { method: 'GET', url: '/files/*', dialect: 'files', auth: false },
  // operations and the dashboard
  { method: 'GET', url: '/healthz', dialect: 'ops', auth: false },
  { method: 'GET', url: '/readyz', dialect: 'ops', auth: false },
  { method: 'GET', url: '/metrics', dialect: 'ops', auth: false },
  { method: 'GET', url: '/openapi.json', dialect: 'ops', auth: false },
  { method: 'GET', url: '/', dialect: 'web', auth: false },
  { method: 'GET', url: '/docs', dialect: 'web', auth: false },
  { method: 'GET', url: '/assets/*', dialect: 'web', auth: false },
  // FineVoice
  { method: 'POST', url: '/finevoice/v1/audio/speech-synthesis', dialect: 'finevoice', auth: true, creates: 'task', body: 'json', template: () => ({ voice: 'james', text: '[happy] fuzz' }) },
  {
    method: 'POST', url: '/finevoice/v1/audio/voice-conversion', dialect: 'finevoice', auth: true, creates: 'task', body: 'json', sync: true,
    template: (ids) => ({ voice: 'en-us-female-1', sourceUrl: ids.uploadId, outputFormat: 'wav', useAsync: true }),
  },
  { method: 'GET', url: '/finevoice/v1/task/:task_id', dialect: 'finevoice', auth: true },
  { method: 'GET', url: '/finevoice/v1/tasks/:task_id', dialect: 'finevoice', auth: true },
  // aiclonevoicefree
  {
    method: 'POST', url: '/aiclone/api/v2/voice/clone', dialect: 'aiclone', auth: true, creates: 'task', body: 'json',
    template: (ids) => ({ text: 'fuzz', reference_audio_url: ids.uploadId, voice_id: 'fuzz clone', speed_ratio: 1, generate_subtitle: false, compact_max_silence_ms: 300, metadata: { k: 'v' } }),
  },
  { method: 'POST', url: '/aiclone/api/v2/image/generate', dialect: 'aiclone', auth: true, creates: 'task', body: 'json', template: () => ({ prompt: 'a cat', size: '512x512', seed: 1, image_urls: [], metadata: { k: 'v' } }) },
  { method: 'POST', url: '/aiclone/api/v2/video/generate', dialect: 'aiclone', auth: true, creates: 'task', body: 'json', template: () => ({ prompt: 'a cat', model: 'kling-v3', duration: 5 }) },
  { method: 'GET', url: '/aiclone/api/v2/tasks/:task_id', dialect: 'aiclone', auth: true },
  { method: 'POST', url: '/aiclone/api/v2/tasks/:task_id/cancel', dialect: 'aiclone', auth: true },
  // ModelHunter
  {
    method: 'POST', url: '/modelhunter/api/v1/:provider/:capability', dialect: 'modelhunter', auth: true, creates: 'task', body: 'json',
    template: () => ({ model: 'noop', input: { text: 'fuzz' }, webhookUrl: WEBHOOK_SINK, metadata: { k: 'v' } }),
  },
  { method: 'GET', url: '/modelhunter/api/v1/tasks', dialect: 'modelhunter', auth: true },
  { method: 'GET', url: '/modelhunter/api/v1/tasks/:id', dialect: 'modelhunter', auth: true },
  { method: 'POST', url: '/modelhunter/api/v1/tasks/:id/retry', dialect: 'modelhunter', auth: true, creates: 'task' },
  { method: 'POST', url: '/modelhunter/api/v1/tasks/:id/cancel', dialect: 'modelhunter', auth: true },
  { method: 'DELETE', url: '/modelhunter/api/v1/tasks/:id', dialect: 'modelhunter', auth: true },
  // CAMB.AI
  {
    method: 'POST', url: '/camb/tts', dialect: 'camb', auth: true, creates: 'task', body: 'json',
    template: () => ({ text: 'fuzz', voice_id: 1, language: 1, gender: 1, age: 30, project_name: 'p', project_description: 'd', folder_id: 1 }),
  },
  { method: 'GET', url: '/camb/tts/:task_id', dialect: 'camb', auth: true },
  { method: 'GET', url: '/camb/tts-result/:run_id', dialect: 'camb', auth: true },
  { method: 'POST', url: '/camb/tts-results', dialect: 'camb', auth: true, body: 'json', template: () => ({ run_ids: [1, 2, 3] }) },
  {
    method: 'POST', url: '/camb/tts-stream', dialect: 'camb', auth: true, creates: 'hidden-task', body: 'json', sync: true,
    template: () => ({ text: 'fuzz', language: 'en-us', voice_id: 1, speech_model: 'default', output_configuration: { format: 'wav' } }),
  },
  { method: 'POST', url: '/camb/text-to-voice', dialect: 'camb', auth: true, creates: 'task', body: 'json', template: () => ({ text: 'fuzz', voice_description: 'a calm old man', project_name: 'p' }) },
  { method: 'GET', url: '/camb/text-to-voice/:task_id', dialect: 'camb', auth: true },
  { method: 'GET', url: '/camb/text-to-voice-result/:run_id', dialect: 'camb', auth: true },
  { method: 'GET', url: '/camb/list-voices', dialect: 'camb', auth: true },
  { method: 'GET', url: '/camb/source-languages', dialect: 'camb', auth: true },
  { method: 'GET', url: '/camb/target-languages', dialect: 'camb', auth: true },
];

export const routeKey = (r: { method: string; url: string }) => `${r.method} ${r.url}`;

/** The route names the path parameters of `url`, in order (`*` is named "*"). */
export const paramsOf = (url: string): string[] => [...url.matchAll(/:([a-z_]+)|\*/g)].map((m) => m[1] ?? '*');

/** The dialect whose error shape a path answers in (by prefix; unknown paths are native). */
export function dialectOfPath(p: string): Dialect {
  for (const d of ['finevoice', 'aiclone', 'modelhunter', 'camb'] as const) if (p === `/${d}` || p.startsWith(`/${d}/`) || p.startsWith(`/${d}?`)) return d;
  return 'native';
}
