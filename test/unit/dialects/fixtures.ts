/** Canonical tasks in every state, and a fixed render context, for the dialect mapping tests. */
import type { Task, TaskStatus } from '../../../src/core/task.js';
import type { RenderContext } from '../../../src/api/native/render.js';
import { UrlSigner } from '../../../src/storage/url-signer.js';

export const NOW_MS = Date.UTC(2026, 0, 15, 10, 0, 32);
export const CREATED_MS = Date.UTC(2026, 0, 15, 10, 0, 0);

export const rc: RenderContext = { signer: new UrlSigner('fixture-secret-fixture-secret'), baseUrl: 'https://genq.example', fileUrlTtlS: 900, nowMs: NOW_MS };

export const AUDIO_FILE = { key: 'acct/task-1/speech.wav', format: 'wav', content_type: 'audio/wav', size_bytes: 55852, duration_s: 1.27 };

export function task(overrides: Partial<Task> = {}): Task {
  return {
    id: '01900000-0000-7000-8000-000000000001', account_id: 'acct', capability: 'voice', action: 'tts', model: 'espeak-ng',
    provider: null, status: 'queued', progress: null, input: { text: 'hi', voice: 'en-us-male-1' }, result: null, error: null,
    metadata: null, credits_reserved: 1, credits_used: null, attempts: 0, max_attempts: 3, timeout_s: 300, priority: 0,
    idempotency_key: null, request_hash: null, webhook: null, dialect: 'native', created_at: CREATED_MS, started_at: null, completed_at: null,
    expires_at: CREATED_MS + 86_400_000, run_after: CREATED_MS, run_id: 42, degraded: false, lease_owner: null, lease_token: null,
    lease_until: null, version: 1, ...overrides,
  };
}

const ERRORS: Partial<Record<TaskStatus, Task['error']>> = {
  failed: { code: 'PROVIDER_ERROR', message: 'Content policy violation', type: 'provider', retryable: false },
  timed_out: { code: 'TIMEOUT', message: 'The task ran longer than its timeout of 300 s', type: 'timeout', retryable: false },
  cancelled: { code: 'CANCELLED', message: 'The task was cancelled', type: 'cancelled', retryable: false },
  expired: { code: 'EXPIRED', message: 'No worker started the task before its queue deadline', type: 'timeout', retryable: false },
};

/** A task as it stands in `status`, with the fields the core sets on the way there. */
export function inState(status: TaskStatus, overrides: Partial<Task> = {}): Task {
  const started = ['running', 'succeeded', 'failed', 'timed_out'].includes(status) ? CREATED_MS + 2000 : null;
  const done = ['succeeded', 'failed', 'timed_out', 'cancelled', 'expired'].includes(status) ? NOW_MS : null;
  return task({
    status,
    started_at: started,
    completed_at: done,
    progress: status === 'running' ? 0.5 : status === 'succeeded' ? 1 : null,
    provider: started ? 'espeak-ng' : null,
    error: ERRORS[status] ?? null,
    result: status === 'succeeded' ? { files: [AUDIO_FILE] } : null,
    credits_used: status === 'succeeded' ? 1 : done ? 0 : null,
    ...overrides,
  });
}

export const ALL_STATUSES: TaskStatus[] = ['pending', 'queued', 'running', 'succeeded', 'failed', 'timed_out', 'cancelled', 'expired'];
