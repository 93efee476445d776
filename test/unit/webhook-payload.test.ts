/** Bodies per format, with file URLs signed at send time. */
import { describe, expect, it } from 'vitest';
import { modelhunterEvent, webhookPayload, webhookRenderer } from '../../src/api/webhook-payload.js';
import { UrlSigner } from '../../src/storage/url-signer.js';
import type { Task } from '../../src/core/task.js';

const now = Date.parse('2025-06-01T12:00:00Z');
const task = {
  id: '01a20000-0000-7000-8000-000000000001', account_id: 'acc', capability: 'voice', action: 'tts', model: 'noop', provider: 'noop',
  status: 'succeeded', progress: 1, input: { text: 'hi' },
  result: { files: [{ key: 'acc/01a2/out.wav', format: 'wav', content_type: 'audio/wav', size_bytes: 10, duration_s: 1.5 }] },
  error: null, metadata: { order: 7 }, credits_reserved: 1, credits_used: 1, attempts: 1, max_attempts: 3, timeout_s: 60, priority: 0,
  idempotency_key: null, request_hash: null, webhook: { url: 'https://example.com/h', events: ['task.succeeded'] }, dialect: 'native',
  created_at: now - 5000, started_at: now - 4000, completed_at: now - 1000, expires_at: now + 1e6, run_after: now - 5000, run_id: 3,
  degraded: false, lease_owner: null, lease_token: null, lease_until: null, version: 4,
} as unknown as Task;
const rc = (nowMs: number) => ({ signer: new UrlSigner('secret'), baseUrl: 'https://genq.example', fileUrlTtlS: 900, nowMs });
const delivery = (over: Partial<{ event: string; format: string; task: Task }> = {}) => ({
  id: 'msg_0190', event: over.event ?? 'task.succeeded', format: over.format ?? 'native', task: JSON.stringify(over.task ?? task), created_at: now - 1000,
});

describe('native body', () => {
  it('is {type, timestamp, data: the task as GET /v1/tasks/{id} renders it}', () => {
    const p = webhookPayload(delivery(), rc(now));
    const body = JSON.parse(p.body);
    expect(p.type).toBe('task.succeeded');
    expect(Object.keys(body)).toEqual(['type', 'timestamp', 'data']);
    expect(body.type).toBe('task.succeeded');
    expect(body.timestamp).toBe(new Date(now - 1000).toISOString());
    expect(body.data).toMatchObject({ id: task.id, object: 'task', status: 'succeeded', metadata: { order: 7 }, completed_at: new Date(now - 1000).toISOString() });
    expect(body.data.result.files[0].url).toMatch(/^https:\/\/genq\.example\/files\//);
  });

  it('signs file URLs at send time: a later attempt carries a later expiry', () => {
    const render = webhookRenderer({ signer: new UrlSigner('secret'), baseUrl: 'https://genq.example', fileUrlTtlS: 900, storage: {} });
    const first = JSON.parse(render(delivery() as any, now).body).data.result.files[0];
    const later = JSON.parse(render(delivery() as any, now + 3_600_000).body).data.result.files[0];
    expect(Date.parse(later.url_expires_at) - Date.parse(first.url_expires_at)).toBe(3_600_000);
    expect(later.url).not.toBe(first.url);
  });

  it('uses presigned URLs when the storage makes its own', () => {
    const render = webhookRenderer({ signer: new UrlSigner('s'), baseUrl: 'x', fileUrlTtlS: 60, storage: { presignedUrl: (k, e) => `https://bucket/${k}?e=${e}` } });
    expect(JSON.parse(render(delivery() as any, now).body).data.result.files[0].url).toBe(`https://bucket/acc/01a2/out.wav?e=${Math.floor(now / 1000) + 60}`);
  });
});

describe('ModelHunter body', () => {
  it('is {id, type: task.completed, created_at, data: {task}} in the vendor task shape', () => {
    const p = webhookPayload(delivery({ format: 'modelhunter' }), rc(now));
    const body = JSON.parse(p.body);
    expect(p.type).toBe('task.completed');
    expect(body).toMatchObject({ id: 'msg_0190', type: 'task.completed', created_at: new Date(now - 1000).toISOString() });
    expect(body.data.task).toMatchObject({ id: task.id, type: 'audio', status: 'succeeded', provider: 'noop', model: 'noop', metadata: { order: 7 } });
    expect(body.data.task.result[0]).toMatchObject({ duration: 1.5, format: 'wav', size_bytes: 10 });
    expect(body.data.task.result[0].url).toMatch(/^https:\/\/genq\.example\/files\//);
  });

  it('reports every other ending as task.failed, with the vendor error', () => {
    const failed = { ...task, status: 'timed_out', result: null, error: { code: 'TIMEOUT', message: 'ran too long', type: 'timeout', retryable: false } } as Task;
    const body = JSON.parse(webhookPayload(delivery({ format: 'modelhunter', event: 'task.timed_out', task: failed }), rc(now)).body);
    expect(body.type).toBe('task.failed');
    expect(body.data.task).toMatchObject({ status: 'failed', error: { code: 'TIMEOUT', message: 'ran too long' } });
    for (const e of ['task.failed', 'task.cancelled', 'task.expired', 'task.timed_out']) expect(modelhunterEvent(e)).toBe('task.failed');
    expect(modelhunterEvent('task.succeeded')).toBe('task.completed');
    expect(modelhunterEvent('task.running')).toBe('task.running');
  });

  it('names the provider a never-started task routes to', () => {
    const expired = { ...task, status: 'expired', provider: null, result: null, started_at: null } as Task;
    const body = JSON.parse(webhookPayload(delivery({ format: 'modelhunter', event: 'task.expired', task: expired }), rc(now), () => 'routed').body);
    expect(body.data.task.provider).toBe('routed');
  });
});
