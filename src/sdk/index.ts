/**
 * genq/sdk — the TypeScript client of genq (browser and Node).
 *
 *   import { Genq } from 'genq/sdk';
 *   const genq = new Genq({ baseUrl: 'http://127.0.0.1:8080', apiKey: process.env.GENQ_API_KEY });
 *   const task = await genq.run({ capability: 'voice', action: 'tts', input: { text: 'Hello' } },
 *                               { onCreated: (t) => console.log('task', t.id) });
 *   console.log(task.result?.files[0]?.url);
 *
 * Receiving webhooks: `const event = await verifyWebhook(secret, req.headers, rawBody)`.
 */
export { Genq, type RunOptions } from './client.js';
export type { GenqOptions, RequestOptions, FetchLike } from './http.js';
export { Tasks, TaskPages, newIdempotencyKey, type CreateOptions, type WaitOptions, type EventsOptions } from './tasks.js';
export { Voices, Models, AccountResource, Uploads, type UploadOptions } from './resources.js';
export { Webhooks, type WebhookDelivery, type WebhookDeliveryList, type WebhookDeliveryListParams, type WebhookSecretRotation } from './webhooks.js';
export { verifyWebhook, WebhookVerificationError, type VerifyOptions, type WebhookEvent, type WebhookHeaders } from './verify-webhook.js';
export { GenqError, GenqApiError, GenqConnectionError, GenqTimeoutError, GenqTaskFailedError } from './errors.js';
export { SseParser, readSse, type SseMessage } from './sse.js';
export { parseRetryAfter, backoffMs } from './retry.js';
export { isTerminal, TERMINAL_STATUSES } from './types.js';
export type {
  Account, Model, Task, TaskCreateParams, TaskError, TaskEvent, TaskFile, TaskList, TaskListParams, TaskResult, TaskStatus,
  Upload, UploadBody, Voice, VoiceList,
} from './types.js';
