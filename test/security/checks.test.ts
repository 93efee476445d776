/** The hostile-input suite's own checks catch what they are for (a check that never fires proves nothing). */
import { describe, expect, it } from 'vitest';
import { assertNoFault, assertNoLeak, createdIds, hasErrorShape, type HostileRequest, type HostileResponse } from './hostile-http.js';

const req = (over: Partial<HostileRequest> = {}): HostileRequest => ({ method: 'GET', path: '/v1/tasks', headers: {}, ...over });
const res = (text: string, status = 200, headers: Record<string, string> = {}): HostileResponse =>
  ({ status, headers, text, contentType: 'application/json', truncated: false, ms: 1 });

describe('assertNoFault', () => {
  it('fires on a 5xx and on stack frames, source and module paths', () => {
    expect(() => assertNoFault(req(), res('{}', 500))).toThrow(/answered 500/);
    expect(() => assertNoFault(req(), res('{}', 503))).toThrow(/answered 503/);
    for (const leak of ['Error: x\n    at f (file.js:1:2)', '{"m":"/work/src/api/x"}', 'node_modules/fastify', 'node:internal/x', 'x.ts:12:3', 'TypeError: a is undefined']) {
      expect(() => assertNoFault(req(), res(leak, 400)), leak).toThrow(/leaked/);
    }
  });

  it('does not fire when the request itself carried the text (an echoed id), nor on a clean 4xx', () => {
    expect(() => assertNoFault(req({ path: '/v1/tasks/%2Fsrc%2F' }), res('No task "/src/"', 404))).not.toThrow();
    expect(() => assertNoFault(req(), res('{"error":{"code":"NOT_FOUND"}}', 404))).not.toThrow();
  });
});

describe('assertNoLeak', () => {
  const secrets = new Map([['victim-metadata-abc', 'metadata string'], ['01a2-victim-task', 'task id']]);

  it('fires on a secret in the body or a header that the request did not carry', () => {
    expect(() => assertNoLeak(req(), res('{"metadata":{"tag":"victim-metadata-abc"}}'), secrets, new Set())).toThrow(/metadata string/);
    expect(() => assertNoLeak(req(), res('{}', 200, { location: '/v1/tasks/01a2-victim-task' }), secrets, new Set())).toThrow(/task id/);
  });

  it('does not fire on an echo of the request, nor on a secret the fuzzer stored itself', () => {
    expect(() => assertNoLeak(req({ path: '/v1/tasks/01a2-victim-task' }), res('No task "01a2-victim-task"', 404), secrets, new Set())).not.toThrow();
    expect(() => assertNoLeak(req(), res('{"input":{"voice":"01a2-victim-task"}}'), secrets, new Set(['01a2-victim-task']))).not.toThrow();
  });
});

describe('error shapes and created ids', () => {
  it('tells each dialect\'s error body from the others', () => {
    const native = { error: { code: 'X', message: 'm', type: 't' } };
    expect(hasErrorShape('native', native)).toBe(true);
    expect(hasErrorShape('camb', native)).toBe(false);
    expect(hasErrorShape('camb', { detail: [{ loc: ['body'], msg: 'm', type: 't' }] })).toBe(true);
    expect(hasErrorShape('camb', { detail: 'm' })).toBe(true);
    expect(hasErrorShape('modelhunter', { success: false, error: { code: 'X', message: 'm' } })).toBe(true);
    expect(hasErrorShape('modelhunter', native)).toBe(false);
    expect(hasErrorShape('finevoice', { status: 422, error: { code: 'X', message: 'm' }, timestamp: 't' })).toBe(true);
    expect(hasErrorShape('finevoice', native)).toBe(false);
  });

  it('reads the task id of a 2xx create in every dialect', () => {
    expect(createdIds('native', '/v1/tasks', { id: 'a' })).toEqual(['a']);
    expect(createdIds('native', '/v1/tasks/batch', { data: [{ id: 'a' }, { id: 'b' }] })).toEqual(['a', 'b']);
    expect(createdIds('finevoice', '/finevoice/v1/audio/speech-synthesis', { taskId: 'a', task_id: 'a' })).toEqual(['a']);
    expect(createdIds('modelhunter', '/modelhunter/api/v1/:provider/:capability', { success: true, data: { id: 'a' } })).toEqual(['a']);
    expect(createdIds('camb', '/camb/tts', { task_id: 'a' })).toEqual(['a']);
    expect(createdIds('aiclone', '/aiclone/api/v2/voice/clone', { task_id: 'a' })).toEqual(['a']);
  });
});
