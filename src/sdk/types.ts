/**
 * The SDK's types, derived from the server's own TypeBox schemas (`Static<>`): one source for
 * validation, serialization, /openapi.json and these types. Only `import type` here, so none
 * of the server's code reaches a program that uses the SDK.
 */
import type { CreateTaskBody, ListQuery } from '../api/native/schemas.js';
import type { TaskStatus } from '../api/native/response-schemas.js';

export type {
  Account, Model, Task, TaskError, TaskEvent, TaskFile, TaskList, TaskResult, TaskStatus, Upload, Voice, VoiceList,
} from '../api/native/response-schemas.js';

/** Body of POST /v1/tasks. */
export type TaskCreateParams = CreateTaskBody;

/** Query of GET /v1/tasks; `status` may be one status, several, or a comma-separated string. */
export type TaskListParams = Omit<ListQuery, 'status'> & { status?: TaskStatus | TaskStatus[] | string };

export const TERMINAL_STATUSES: readonly TaskStatus[] = ['succeeded', 'failed', 'timed_out', 'cancelled', 'expired'];

export const isTerminal = (status: TaskStatus | string): boolean => (TERMINAL_STATUSES as readonly string[]).includes(status);

/** Anything fetch() accepts as a body that can be sent again on a retry. */
export type UploadBody = Blob | ArrayBuffer | ArrayBufferView | string;
