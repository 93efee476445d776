/**
 * Response schemas of the native API. One source for three things: the serializer of each
 * route, the components of /openapi.json, and the types of the TypeScript SDK (src/sdk
 * imports these with `import type`, so no TypeBox code reaches a browser bundle).
 *
 * Each schema carries an `$id`; `registerResponseSchemas` adds them to Fastify once, routes
 * point at them with `Type.Ref`, and @fastify/swagger names its components after the `$id`.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
/** A `$ref` to a schema by its `$id`, typed as that schema. */
export const ref = <T extends TSchema>(s: T) => Type.Unsafe<Static<T>>(Type.Ref(s.$id!));
const DateTime = (description?: string) => Type.String({ format: 'date-time', ...(description ? { description } : {}) });
const Json = Type.Record(Type.String(), Type.Unknown());

export const TaskStatusSchema = Type.Union(
  [
    Type.Literal('pending'), Type.Literal('queued'), Type.Literal('running'), Type.Literal('succeeded'),
    Type.Literal('failed'), Type.Literal('timed_out'), Type.Literal('cancelled'), Type.Literal('expired'),
  ],
  { $id: 'TaskStatus', description: 'pending → queued → running → succeeded | failed | timed_out | cancelled | expired' },
);
export type TaskStatus = Static<typeof TaskStatusSchema>;

export const TaskFileSchema = Type.Object(
  {
    url: Type.String({ description: 'signed download URL; fetch the task again for a fresh one after it expires' }),
    url_expires_at: DateTime(),
    format: Type.String({ description: 'wav, mp3, png, mp4, …' }),
    content_type: Type.String(),
    size_bytes: Type.Integer({ minimum: 0 }),
    duration_s: Nullable(Type.Number({ description: 'seconds of audio or video' })),
    width: Type.Optional(Nullable(Type.Integer())),
    height: Type.Optional(Nullable(Type.Integer())),
  },
  { $id: 'TaskFile', additionalProperties: false },
);
export type TaskFile = Static<typeof TaskFileSchema>;

export const TaskErrorSchema = Type.Object(
  {
    code: Type.String({ description: 'stable UPPER_SNAKE code, e.g. PROVIDER_ERROR, INVALID_INPUT, PAYMENT_REQUIRED' }),
    message: Type.String(),
    type: Type.String(),
    retryable: Type.Boolean(),
  },
  { $id: 'TaskError', additionalProperties: false },
);
export type TaskError = Static<typeof TaskErrorSchema>;

export const TaskResultSchema = Type.Object(
  { files: Type.Array(ref(TaskFileSchema)) },
  { $id: 'TaskResult', additionalProperties: true, description: 'files, plus fields specific to the capability' },
);
export type TaskResult = Static<typeof TaskResultSchema> & Record<string, unknown>;

export const WebhookSpecSchema = Type.Object(
  {
    url: Type.String(),
    events: Type.Optional(Type.Array(Type.String())),
    format: Type.Optional(Type.String({ description: "body and headers of the POST: 'native' (Standard Webhooks) or a vendor dialect's own, e.g. 'modelhunter'" })),
  },
  { $id: 'WebhookSpec', additionalProperties: false },
);

export const TaskSchema = Type.Object(
  {
    id: Type.String({ description: 'UUID v7' }),
    object: Type.Literal('task'),
    capability: Type.String(),
    action: Type.String(),
    model: Type.String(),
    provider: Nullable(Type.String({ description: 'the provider that ran it (null until claimed)' })),
    status: ref(TaskStatusSchema),
    progress: Nullable(Type.Number({ minimum: 0, maximum: 1 })),
    input: Json,
    result: Nullable(ref(TaskResultSchema)),
    error: Nullable(ref(TaskErrorSchema)),
    metadata: Nullable(Json),
    credits_reserved: Type.Number(),
    credits_used: Nullable(Type.Number()),
    attempts: Type.Integer(),
    max_attempts: Type.Integer(),
    timeout_s: Type.Integer(),
    priority: Type.Integer(),
    idempotency_key: Nullable(Type.String()),
    webhook: Nullable(ref(WebhookSpecSchema)),
    run_id: Type.Integer(),
    degraded: Type.Boolean({ description: 'true when a fallback provider served it' }),
    created_at: DateTime(),
    started_at: Nullable(DateTime()),
    completed_at: Nullable(DateTime()),
    expires_at: Nullable(DateTime('queue deadline, shown while the task has not started')),
    queue_position: Type.Optional(Nullable(Type.Integer({ description: 'only on GET of a queued task' }))),
  },
  { $id: 'Task', additionalProperties: false },
);
export type Task = Static<typeof TaskSchema>;

export const TaskListSchema = Type.Object(
  {
    object: Type.Literal('list'),
    data: Type.Array(ref(TaskSchema)),
    has_more: Type.Boolean(),
    next_cursor: Nullable(Type.String({ description: 'pass as ?cursor= for the next page' })),
  },
  { $id: 'TaskList', additionalProperties: false },
);
export type TaskList = Static<typeof TaskListSchema>;

export const TaskBatchSchema = Type.Object(
  { object: Type.Literal('list'), data: Type.Array(ref(TaskSchema)) },
  { $id: 'TaskBatch', additionalProperties: false },
);
export type TaskBatch = Static<typeof TaskBatchSchema>;

/** The `data:` of each Server-Sent Event of GET /v1/tasks/{id}/events (documented, not serialized by Fastify). */
export const TaskEventSchema = Type.Object(
  {
    seq: Type.Integer({ description: 'also the SSE id; send it back as Last-Event-ID to resume' }),
    type: Type.String({ description: 'task.queued, task.running, task.progress, task.succeeded, …' }),
    status: ref(TaskStatusSchema),
    progress: Nullable(Type.Number()),
    at: DateTime(),
    task: ref(TaskSchema),
  },
  { $id: 'TaskEvent', additionalProperties: false },
);
export type TaskEvent = Static<typeof TaskEventSchema>;

export const ModelSchema = Type.Object(
  {
    id: Type.String(), object: Type.Literal('model'), capability: Type.String(), action: Type.String(),
    description: Type.Optional(Type.String()), default: Type.Boolean(), provider: Type.String(),
  },
  { $id: 'Model', additionalProperties: false },
);
export type Model = Static<typeof ModelSchema>;

export const ModelListSchema = Type.Object(
  { object: Type.Literal('list'), data: Type.Array(ref(ModelSchema)) },
  { $id: 'ModelList', additionalProperties: false },
);

export const VoiceSchema = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('voice'),
    owner: Type.Union([Type.Literal('builtin'), Type.Literal('account')]),
    name: Type.String(),
    language: Type.String({ description: 'BCP 47, e.g. en-US' }),
    gender: Nullable(Type.String()),
    engine: Type.String(),
    sample_url: Type.Optional(Nullable(Type.String({ description: 'signed URL of a sample, for voices that have one' }))),
    created_at: Type.Optional(DateTime()),
  },
  { $id: 'Voice', additionalProperties: false },
);
export type Voice = Static<typeof VoiceSchema>;

export const VoiceListSchema = Type.Object(
  { object: Type.Literal('list'), data: Type.Array(ref(VoiceSchema)) },
  { $id: 'VoiceList', additionalProperties: false },
);
export type VoiceList = Static<typeof VoiceListSchema>;

export const AccountSchema = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('account'),
    name: Type.String(),
    credits_balance: Type.Number({ description: 'credits available now: holds of unfinished tasks are already taken out' }),
    max_running: Nullable(Type.Number({ description: 'most tasks of this account running at once; null = the server default' })),
    webhook_secret: Nullable(Type.String({ description: 'verifies the signature of webhook deliveries' })),
    created_at: DateTime(),
    key: Type.Object(
      { id: Type.String(), name: Type.String(), prefix: Type.String(), rate_limit: Nullable(Type.Number()) },
      { additionalProperties: false },
    ),
  },
  { $id: 'Account', additionalProperties: false },
);
export type Account = Static<typeof AccountSchema>;

export const LedgerEntrySchema = Type.Object(
  {
    seq: Type.Number({ description: 'order of the movement within the ledger' }),
    kind: Type.Union([Type.Literal('grant'), Type.Literal('topup'), Type.Literal('hold'), Type.Literal('release'), Type.Literal('charge')]),
    amount: Type.Number({ description: 'signed change to the balance' }),
    task_id: Nullable(Type.String()),
    note: Nullable(Type.String()),
    at: DateTime(),
  },
  { $id: 'LedgerEntry', additionalProperties: false },
);

export const LedgerSchema = Type.Object(
  { object: Type.Literal('list'), data: Type.Array(ref(LedgerEntrySchema)), has_more: Type.Boolean(), next_cursor: Nullable(Type.String()) },
  { $id: 'Ledger', additionalProperties: false },
);

/** 201 of POST /v1/uploads: a stored file to name in a task's input (reference audio). */
export const UploadSchema = Type.Object(
  {
    id: Type.String({ description: 'put this in a task input (e.g. reference audio for voice clone/convert)' }),
    object: Type.Literal('upload'),
    format: Type.String({ description: 'wav, mp3 or ogg, as sniffed from the bytes' }),
    content_type: Type.String(),
    size_bytes: Type.Integer({ minimum: 1 }),
    created_at: DateTime(),
  },
  { $id: 'Upload', additionalProperties: false },
);
export type Upload = Static<typeof UploadSchema>;

export const ApiErrorSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'stable UPPER_SNAKE code' }),
      message: Type.String(),
      type: Type.String(),
      details: Type.Optional(Json),
    }),
  },
  { $id: 'Error' },
);
export type ApiErrorBody = Static<typeof ApiErrorSchema>;

export const RESPONSE_SCHEMAS = [
  TaskStatusSchema, TaskFileSchema, TaskErrorSchema, TaskResultSchema, WebhookSpecSchema, TaskSchema, TaskListSchema,
  TaskBatchSchema, TaskEventSchema, ModelSchema, ModelListSchema, VoiceSchema, VoiceListSchema, AccountSchema, LedgerEntrySchema, LedgerSchema, UploadSchema, ApiErrorSchema,
];

/** Adds every schema above to the app, so routes and /openapi.json can refer to them by `$id`. */
export function registerResponseSchemas(app: FastifyInstance): void {
  for (const s of RESPONSE_SCHEMAS) app.addSchema(s);
}

/** `{ 400: Ref(Error), 401: … }` for route schemas. */
export const errorResponses = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, ref(ApiErrorSchema)]));
