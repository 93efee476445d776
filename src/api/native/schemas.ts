/** Request schemas of the native API: validation, and the source of /openapi.json. */
import { Type, type Static } from '@sinclair/typebox';

const Json = Type.Record(Type.String(), Type.Unknown());

export const CreateTaskBody = Type.Object(
  {
    capability: Type.String({ minLength: 1, maxLength: 32, description: 'voice, image, video or music' }),
    action: Type.String({ minLength: 1, maxLength: 32, description: 'tts, design, clone, convert or generate' }),
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'omit for the default model of the capability/action' })),
    input: Type.Object({}, { additionalProperties: true, description: "the model's own input; see docs" }),
    metadata: Type.Optional(Type.Union([Json, Type.Null()], { description: 'your own key/values, echoed back untouched (≤ 16 KiB)' })),
    webhook: Type.Optional(
      Type.Union([
        Type.Object(
          { url: Type.String({ format: 'uri', maxLength: 2048 }), events: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 16 })) },
          { additionalProperties: false },
        ),
        Type.Null(),
      ]),
    ),
    priority: Type.Optional(Type.Integer({ minimum: -100, maximum: 100, description: 'higher runs first' })),
    timeout_s: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
    queue_ttl_s: Type.Optional(Type.Integer({ minimum: 1, maximum: 7 * 86_400, description: 'a task not started within this time becomes expired' })),
  },
  { additionalProperties: false },
);
export type CreateTaskBody = Static<typeof CreateTaskBody>;

export const BatchBody = Type.Object(
  { tasks: Type.Array(CreateTaskBody, { minItems: 1, maxItems: 1000 }) },
  { additionalProperties: false },
);
export type BatchBody = Static<typeof BatchBody>;

export const TaskIdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

export const STATUS_VALUES = ['pending', 'queued', 'running', 'succeeded', 'failed', 'timed_out', 'cancelled', 'expired'];

export const ListQuery = Type.Object(
  {
    status: Type.Optional(Type.String({ maxLength: 200, description: 'comma-separated statuses' })),
    capability: Type.Optional(Type.String({ maxLength: 32 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type ListQuery = Static<typeof ListQuery>;

export const ErrorBody = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), type: Type.String(), details: Type.Optional(Json) }),
});
