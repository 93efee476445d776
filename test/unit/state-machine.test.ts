/** The pure state machine of DESIGN.md §2: exhaustive over every status × every transition type. */
import { describe, expect, it } from 'vitest';
import {
  ALLOWED_EDGES, InvalidTransitionError, canTransition, eventName, retryDelayMs, transition, type TaskTransition,
} from '../../src/core/state-machine.js';
import { MUTABLE_TASK_FIELDS, TASK_STATUSES, isTerminal, type Task, type TaskStatus } from '../../src/core/task.js';

const NOW = 1_700_000_000_000;
const error = { code: 'PROVIDER_ERROR', message: 'boom', type: 'provider', retryable: true };

function task(status: TaskStatus, over: Partial<Task> = {}): Task {
  const running = status === 'running';
  return {
    id: '01900000-0000-7000-8000-000000000001', account_id: 'acct', capability: 'voice', action: 'tts', model: 'm', provider: null,
    status, progress: running ? 0.3 : null, input: { text: 'hi' }, result: null, error: null, metadata: { a: 1 },
    credits_reserved: 5, credits_used: null, attempts: running ? 1 : 0, max_attempts: 3, timeout_s: 60, priority: 0,
    idempotency_key: null, request_hash: null, webhook: null, dialect: 'native', created_at: NOW - 1000, started_at: running ? NOW - 500 : null,
    completed_at: null, expires_at: NOW + 10_000, run_after: NOW - 1000, run_id: 1, degraded: false,
    lease_owner: running ? 'w1' : null, lease_token: running ? 'tok1' : null, lease_until: running ? NOW + 100 : null, version: 3,
    ...over,
  };
}

/** one or more instances of every transition type (retry and lease_expired with attempts left and exhausted) */
const SAMPLES: Array<{ t: TaskTransition; over?: Partial<Task> }> = [
  { t: { type: 'admit' } },
  { t: { type: 'claim', owner: 'w2', token: 'tok2', leaseUntil: NOW + 30_000 } },
  { t: { type: 'progress', progress: 0.5 } },
  { t: { type: 'succeed', result: { files: [] }, provider: 'p', creditsUsed: 4 } },
  { t: { type: 'fail', error } },
  { t: { type: 'retry', error, runAfter: NOW + 1000 } },
  { t: { type: 'retry', error, runAfter: NOW + 1000 }, over: { attempts: 3 } },
  { t: { type: 'timeout', timeoutS: 60 } },
  { t: { type: 'lease_expired', runAfter: NOW + 1000 } },
  { t: { type: 'lease_expired', runAfter: NOW + 1000 }, over: { attempts: 3 } },
  { t: { type: 'release' } },
  { t: { type: 'cancel', reason: 'user asked' } },
  { t: { type: 'expire' } },
];
const TYPES = [...new Set(SAMPLES.map((s) => s.t.type))];

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

const edgeKey = (a: TaskStatus, b: TaskStatus) => `${a}->${b}`;
const allowed = new Set(ALLOWED_EDGES.map(([a, b]) => edgeKey(a, b)));

describe('state machine: exhaustive', () => {
  it('covers all eleven transition types', () => {
    expect(TYPES).toHaveLength(11);
  });

  it('every transition either lands on an allowed edge or throws, and every allowed edge is reachable', () => {
    const reached = new Set<string>();
    for (const status of TASK_STATUSES) {
      for (const { t, over } of SAMPLES) {
        const before = deepFreeze(task(status, over));
        const snapshot = structuredClone(before);
        if (canTransition(status, t.type)) {
          const after = transition(before, t, NOW);
          const edge = edgeKey(status, after.status);
          expect(allowed.has(edge), `${t.type} from ${status} gave ${edge}`).toBe(true);
          reached.add(edge);
          expect(after).not.toBe(before);
        } else {
          let thrown: unknown;
          try {
            transition(before, t, NOW);
          } catch (e) {
            thrown = e;
          }
          expect(thrown, `${t.type} from ${status} should throw`).toBeInstanceOf(InvalidTransitionError);
          const err = thrown as InvalidTransitionError;
          expect(err.status).toBe(409);
          expect(err.code).toBe(isTerminal(status) ? 'TASK_FINISHED' : 'INVALID_TRANSITION');
          expect(err.message).toContain(status);
        }
        // input untouched, frozen or not
        expect(before).toEqual(snapshot);
      }
    }
    expect([...reached].sort()).toEqual([...allowed].sort());
  });

  it('every terminal status rejects every transition with TASK_FINISHED', () => {
    for (const status of TASK_STATUSES.filter(isTerminal)) {
      for (const { t, over } of SAMPLES) {
        expect(canTransition(status, t.type)).toBe(false);
        expect(() => transition(task(status, over), t, NOW)).toThrowError(expect.objectContaining({ code: 'TASK_FINISHED' }));
      }
    }
  });

  it('a terminal result has completed_at, no lease, and credits_used set', () => {
    for (const status of TASK_STATUSES) {
      for (const { t, over } of SAMPLES) {
        if (!canTransition(status, t.type)) continue;
        const after = transition(task(status, over), t, NOW);
        if (isTerminal(after.status)) {
          expect(after.completed_at).toBe(NOW);
          expect(after.lease_token).toBeNull();
          expect(after.lease_owner).toBeNull();
          expect(after.lease_until).toBeNull();
          expect(after.credits_used).not.toBeNull();
          if (after.status === 'succeeded') expect(after.error).toBeNull();
          else expect(after.error?.code).toMatch(/^[A-Z_]+$/);
        } else if (status === 'running' && after.status === 'queued') {
          expect(after.lease_token).toBeNull();
          expect(after.lease_owner).toBeNull();
          expect(after.completed_at).toBeNull();
        }
      }
    }
  });

  it('never mutates its input (mutable copy, compared field by field)', () => {
    for (const status of TASK_STATUSES) {
      for (const { t, over } of SAMPLES) {
        if (!canTransition(status, t.type)) continue;
        const before = task(status, over);
        const snapshot = structuredClone(before);
        transition(before, t, NOW);
        expect(before).toEqual(snapshot);
      }
    }
  });

  it('changes no field outside MUTABLE_TASK_FIELDS (the stores write only those)', () => {
    const mutable = new Set<string>(MUTABLE_TASK_FIELDS);
    let checked = 0;
    for (const from of TASK_STATUSES) {
      for (const { t, over } of SAMPLES) {
        if (!canTransition(from, t.type)) continue;
        const before = task(from, over);
        const after = transition(before, t, NOW);
        const changed = (Object.keys(after) as Array<keyof Task>).filter((k) => JSON.stringify(after[k]) !== JSON.stringify(before[k]));
        expect(changed.filter((k) => !mutable.has(k)), `${from} --${t.type}-->`).toEqual([]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(15);
  });

  it('eventName is task.progress for progress and task.<status> otherwise', () => {
    const r = task('running');
    expect(eventName({ type: 'progress', progress: 0.2 }, transition(r, { type: 'progress', progress: 0.2 }, NOW))).toBe('task.progress');
    const exhausted = task('running', { attempts: 3 });
    const t: TaskTransition = { type: 'retry', error, runAfter: NOW };
    expect(eventName(t, transition(exhausted, t, NOW))).toBe('task.failed');
    expect(eventName(t, transition(r, t, NOW))).toBe('task.queued');
  });
});

describe('state machine: individual transitions', () => {
  it('admit queues a pending task', () => {
    expect(transition(task('pending'), { type: 'admit' }, NOW).status).toBe('queued');
  });

  it('claim starts an attempt under a lease and keeps the first started_at', () => {
    const c = transition(task('queued'), { type: 'claim', owner: 'w', token: 't', leaseUntil: NOW + 5 }, NOW);
    expect(c).toMatchObject({ status: 'running', attempts: 1, started_at: NOW, progress: 0, lease_owner: 'w', lease_token: 't', lease_until: NOW + 5 });
    const again = transition(task('queued', { attempts: 1, started_at: NOW - 99, progress: 0.4 }), { type: 'claim', owner: 'w', token: 't2', leaseUntil: NOW + 5 }, NOW);
    expect(again).toMatchObject({ attempts: 2, started_at: NOW - 99, progress: 0.4 });
  });

  it('retry requeues with the error and run_after while attempts remain', () => {
    const r = transition(task('running', { attempts: 2 }), { type: 'retry', error, runAfter: NOW + 700 }, NOW);
    expect(r).toMatchObject({ status: 'queued', error, run_after: NOW + 700, attempts: 2, completed_at: null });
  });

  it('retry with attempts exhausted fails with the provider error', () => {
    for (const attempts of [3, 4]) {
      const r = transition(task('running', { attempts }), { type: 'retry', error, runAfter: NOW + 700 }, NOW);
      expect(r).toMatchObject({ status: 'failed', error, credits_used: 0, completed_at: NOW });
    }
  });

  it('lease_expired requeues with WORKER_LOST, or fails once attempts are exhausted', () => {
    const q = transition(task('running', { attempts: 1 }), { type: 'lease_expired', runAfter: NOW + 50 }, NOW);
    expect(q).toMatchObject({ status: 'queued', run_after: NOW + 50, lease_token: null });
    expect(q.error).toMatchObject({ code: 'WORKER_LOST', retryable: true });
    const f = transition(task('running', { attempts: 3 }), { type: 'lease_expired', runAfter: NOW + 50 }, NOW);
    expect(f).toMatchObject({ status: 'failed', completed_at: NOW });
    expect(f.error?.code).toBe('WORKER_LOST');
  });

  it('release gives the attempt back and clears the lease', () => {
    const r = transition(task('running', { attempts: 2 }), { type: 'release' }, NOW);
    expect(r).toMatchObject({ status: 'queued', attempts: 1, lease_owner: null, lease_token: null, lease_until: null });
    expect(transition(task('running', { attempts: 0 }), { type: 'release' }, NOW).attempts).toBe(0);
  });

  it('progress clamps to [0, 1] and never goes backward', () => {
    const r = task('running', { progress: 0.3 });
    expect(transition(r, { type: 'progress', progress: 0.6 }, NOW).progress).toBe(0.6);
    expect(transition(r, { type: 'progress', progress: 0.1 }, NOW).progress).toBe(0.3);
    expect(transition(r, { type: 'progress', progress: 7 }, NOW).progress).toBe(1);
    expect(transition(r, { type: 'progress', progress: Infinity }, NOW).progress).toBe(1);
    expect(transition(r, { type: 'progress', progress: -2 }, NOW).progress).toBe(0.3);
    expect(transition(task('running', { progress: null }), { type: 'progress', progress: -2 }, NOW).progress).toBe(0);
    expect(transition(r, { type: 'progress', progress: Number.NaN }, NOW).progress).toBe(0.3);
    expect(transition(task('running', { progress: null }), { type: 'progress', progress: Number.NaN }, NOW).progress).toBe(0);
    // a chain of random reports is monotonic and stays in range
    let cur = task('running', { progress: null });
    let last = 0;
    for (let i = 0; i < 500; i++) {
      const p = Math.sin(i * 12.9898) * 1.5; // deterministic, spans below 0 and above 1
      cur = transition(cur, { type: 'progress', progress: p }, NOW);
      expect(cur.progress!).toBeGreaterThanOrEqual(last);
      expect(cur.progress!).toBeLessThanOrEqual(1);
      last = cur.progress!;
    }
    expect(last).toBe(1);
  });

  it('succeed records result, provider, credits, progress 1 and clears any earlier error', () => {
    const s = transition(task('running', { error }), { type: 'succeed', result: { files: [], voice_id: 'v' }, provider: 'p', creditsUsed: 2, degraded: true }, NOW);
    expect(s).toMatchObject({ status: 'succeeded', progress: 1, error: null, provider: 'p', credits_used: 2, degraded: true, result: { voice_id: 'v' } });
    expect(transition(task('running'), { type: 'succeed', result: { files: [] }, provider: 'p', creditsUsed: 1 }, NOW).degraded).toBe(false);
  });

  it('timeout, cancel and expire carry stable error codes', () => {
    expect(transition(task('running'), { type: 'timeout', timeoutS: 60 }, NOW)).toMatchObject({ status: 'timed_out', error: { code: 'TIMEOUT', retryable: false } });
    expect(transition(task('running'), { type: 'cancel', reason: 'why' }, NOW)).toMatchObject({ status: 'cancelled', error: { code: 'CANCELLED', message: 'why' }, lease_token: null });
    expect(transition(task('pending'), { type: 'cancel' }, NOW).error?.code).toBe('CANCELLED');
    expect(transition(task('queued'), { type: 'expire' }, NOW)).toMatchObject({ status: 'expired', error: { code: 'EXPIRED' } });
  });
});

describe('retryDelayMs', () => {
  it('stays within [ceiling/2, ceiling] with ceiling = min(cap, base·2^(attempt-1))', () => {
    const violations: string[] = [];
    for (const base of [0, 1, 10, 1000]) {
      for (const cap of [0, 500, 60_000]) {
        for (let attempt = -1; attempt <= 100; attempt++) {
          const ceiling = Math.min(cap, base * 2 ** Math.max(0, attempt - 1));
          for (const r of [0, 0.25, 0.5, 0.999, 1]) {
            const d = retryDelayMs(attempt, r, base, cap);
            const ok = Number.isInteger(d) && d >= Math.floor(ceiling / 2) && d <= ceiling && d <= cap;
            if (!ok) violations.push(`attempt=${attempt} r=${r} base=${base} cap=${cap} -> ${d}`);
          }
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('grows with the attempt until the cap, and defaults to 1 s base and 60 s cap', () => {
    expect(retryDelayMs(1, 1)).toBe(1000);
    expect(retryDelayMs(2, 1)).toBe(2000);
    expect(retryDelayMs(3, 0)).toBe(2000);
    expect(retryDelayMs(50, 1)).toBe(60_000);
    expect(retryDelayMs(50, 0)).toBe(30_000);
    let prev = 0;
    for (let a = 1; a < 30; a++) {
      const d = retryDelayMs(a, 1, 100, 10_000);
      expect(d).toBeGreaterThanOrEqual(prev);
      prev = d;
    }
    expect(prev).toBe(10_000);
  });
});
