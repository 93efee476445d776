/**
 * How each dialect's status endpoint must look, per the seed pages: every documented field with
 * its documented type and format, for a task in a given canonical status. Shared by the
 * contract, cross-dialect and long-poll tests.
 */
import { expect } from 'vitest';
import type { Api } from '../../helpers/server.js';

export type Canonical = 'queued' | 'running' | 'succeeded' | 'failed' | 'timed_out' | 'cancelled' | 'expired';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;
const SIGNED = /^http:\/\/127\.0\.0\.1:\d+\/files\/.+\?expires=\d+&sig=[A-Za-z0-9_-]+$/;
const FINEVOICE_CODE: Record<Canonical, number> = { queued: 202, running: 202, succeeded: 200, failed: 500, timed_out: 504, cancelled: 499, expired: 410 };
const QUICKSTART: Record<Canonical, string> = { queued: 'pending', running: 'processing', succeeded: 'completed', failed: 'failed', timed_out: 'failed', cancelled: 'failed', expired: 'failed' };
const ACLONE: Record<Canonical, string> = { queued: 'pending', running: 'processing', succeeded: 'completed', failed: 'failed', timed_out: 'failed', cancelled: 'cancelled', expired: 'failed' };
const MH: Record<Canonical, string> = { queued: 'queued', running: 'running', succeeded: 'succeeded', failed: 'failed', timed_out: 'failed', cancelled: 'cancelled', expired: 'expired' };
const CAMB: Record<Canonical, string> = { queued: 'PENDING', running: 'PENDING', succeeded: 'SUCCESS', failed: 'ERROR', timed_out: 'TIMEOUT', cancelled: 'ERROR', expired: 'ERROR' };
const finished = (s: Canonical) => s !== 'queued' && s !== 'running';

export function expectFineVoice(b: any, id: string, s: Canonical): void {
  expect(Object.keys(b).sort()).toEqual(['error', 'port', 'service', 'status', 'taskId', 'timestamp', 'url', 'urls']);
  expect(b.status).toBe(FINEVOICE_CODE[s]);
  expect(b.taskId).toBe(id);
  expect(Array.isArray(b.urls)).toBe(true);
  expect(typeof b.service).toBe('string');
  expect(typeof b.port).toBe('string');
  expect(b.timestamp).toMatch(ISO);
  if (s === 'succeeded') {
    expect(b.url).toMatch(SIGNED);
    expect(b.urls[0]).toBe(b.url);
  } else expect(b.url).toBeNull();
  if (finished(s) && s !== 'succeeded') expect(Object.keys(b.error).sort()).toEqual(['code', 'message']);
  else expect(b.error).toBeNull();
}

export function expectQuickstart(b: any, id: string, s: Canonical): void {
  expect(Object.keys(b).sort()).toEqual(['error', 'status', 'task_id', 'url']);
  expect(b).toMatchObject({ task_id: id, status: QUICKSTART[s] });
  if (s === 'succeeded') expect(b.url).toMatch(SIGNED);
  if (QUICKSTART[s] === 'failed') expect(typeof b.error.code).toBe('string');
}

export function expectAiclone(b: any, id: string, s: Canonical): void {
  for (const f of ['task_id', 'status', 'capability', 'action', 'model', 'progress', 'error', 'credits_used', 'created_at', 'completed_at', 'metadata']) expect(b).toHaveProperty(f);
  expect(b).toMatchObject({ task_id: id, status: ACLONE[s] });
  expect(Number.isInteger(b.created_at)).toBe(true);
  expect(b.created_at).toBeLessThan(1e11); // seconds, not milliseconds
  if (finished(s)) expect(Number.isInteger(b.completed_at)).toBe(true);
  else expect(b.completed_at).toBeNull();
  expect(b.progress === null || (b.progress >= 0 && b.progress <= 1)).toBe(true);
  const resultFields = ['_type', 'degraded', 'providerUsed'];
  if (s === 'succeeded') {
    for (const f of resultFields) expect(b).toHaveProperty(f);
    expect(typeof b.degraded).toBe('boolean');
  } else for (const f of [...resultFields, 'audioUrl', 'imageUrl', 'videoUrl']) expect(b).not.toHaveProperty(f);
  if (ACLONE[s] === 'failed' || s === 'cancelled') expect(Object.keys(b.error).sort()).toEqual(['code', 'message', 'type']);
  else expect(b.error).toBeNull();
}

export function expectModelHunter(b: any, id: string, s: Canonical): void {
  expect(b.success).toBe(true);
  const d = b.data;
  expect(d).toMatchObject({ id, status: MH[s] });
  expect(['video', 'image', 'audio', 'music']).toContain(d.type);
  expect(typeof d.model).toBe('string');
  expect(d).toHaveProperty('provider');
  expect(d.created_at).toMatch(ISO);
  if (finished(s)) expect(d.completed_at).toMatch(ISO);
  else expect(d).not.toHaveProperty('completed_at');
  if (s === 'succeeded') {
    expect(Array.isArray(d.result)).toBe(true);
    for (const r of d.result) {
      expect(r.url).toMatch(SIGNED);
      expect(typeof r.format).toBe('string');
      expect(typeof r.size_bytes).toBe('number');
    }
  } else expect(d).not.toHaveProperty('result');
  if (MH[s] === 'failed') expect(Object.keys(d.error).sort()).toEqual(['code', 'message']);
  else expect(d).not.toHaveProperty('error');
  if (s === 'timed_out') expect(d.error.code).toBe('TIMEOUT');
}

export function expectCamb(b: any, s: Canonical): void {
  expect(b.status).toBe(CAMB[s]);
  if (s === 'succeeded') expect(Number.isInteger(b.run_id)).toBe(true);
  else expect(b.run_id).toBeNull();
  if (finished(s) && s !== 'succeeded') {
    expect(typeof b.message).toBe('string');
    expect(typeof b.exception_reason).toBe('string');
  }
}

/** Reads one task through every dialect's status endpoint (and native) and checks each shape. */
export async function expectEverywhere(api: Api, id: string, s: Canonical): Promise<void> {
  const camb = api.withKey(null);
  const key = { 'x-api-key': api.key! };
  const get = async (p: string, viaCamb = false) => {
    const r = viaCamb ? await camb.get(p, { headers: key }) : await api.get(p);
    expect(r.status, `${p}: ${r.text}`).toBe(200);
    return r.body;
  };
  expect((await get(`/v1/tasks/${id}`)).status).toBe(s);
  expectFineVoice(await get(`/finevoice/v1/task/${id}`), id, s);
  expectQuickstart(await get(`/finevoice/v1/tasks/${id}`), id, s);
  expectAiclone(await get(`/aiclone/api/v2/tasks/${id}`), id, s);
  expectModelHunter(await get(`/modelhunter/api/v1/tasks/${id}`), id, s);
  expectCamb(await get(`/camb/tts/${id}`, true), s);
  expectCamb(await get(`/camb/text-to-voice/${id}`, true), s);
}

/** Every dialect's status endpoint, for loops over "each dialect". */
export const STATUS_ENDPOINTS: Array<{ name: string; path: (id: string) => string; camb?: boolean }> = [
  { name: 'FineVoice /v1/task', path: (id) => `/finevoice/v1/task/${id}` },
  { name: 'FineVoice /v1/tasks', path: (id) => `/finevoice/v1/tasks/${id}` },
  { name: 'aiclonevoicefree', path: (id) => `/aiclone/api/v2/tasks/${id}` },
  { name: 'ModelHunter', path: (id) => `/modelhunter/api/v1/tasks/${id}` },
  { name: 'CAMB.AI tts', path: (id) => `/camb/tts/${id}`, camb: true },
  { name: 'CAMB.AI text-to-voice', path: (id) => `/camb/text-to-voice/${id}`, camb: true },
];
