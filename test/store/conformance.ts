/**
 * The Store conformance suite. It talks to the Store INTERFACE only (src/store/store.ts), so
 * every implementation — SQLite today, PostgreSQL later — runs exactly the same checks:
 *
 *   runStoreConformance('postgres', async () => { const s = new PgStore(url); await s.migrate(); return s; });
 *
 * `makeStore` must return a fresh, migrated, empty store; the suite closes it after each test.
 * Times are explicit epoch milliseconds far from "now", so nothing depends on the wall clock.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InsufficientCredits, type Account, type ApiKeyRecord, type NewDelivery, type Store, type Voice, type WorkerRecord } from '../../src/store/store.js';
import { settlementFor } from '../../src/core/credits.js';
import type { NewTask, Task, TaskStatus } from '../../src/core/task.js';
import { transition } from '../../src/core/state-machine.js';
import { hashApiKey, newApiKey, newId, newTaskId, newToken } from '../../src/core/ids.js';

export const T0 = 1_700_000_000_000;

let tokenSeq = 0;
const tok = (): string => `tok-${++tokenSeq}-${newToken()}`;

/** A fully populated NewTask: every field set, so a column the store forgets to keep shows up. */
export function makeTask(accountId: string, over: Partial<NewTask> = {}): NewTask {
  const created = over.created_at ?? T0;
  return {
    id: newTaskId(),
    account_id: accountId,
    capability: 'voice',
    action: 'tts',
    model: 'm1',
    provider: null,
    status: 'queued',
    progress: null,
    input: { text: 'hello', nested: { n: 1, list: [1, 'two', null] } },
    result: null,
    error: null,
    metadata: { client_ref: 'abc', n: 7 },
    credits_reserved: 3,
    credits_used: null,
    attempts: 0,
    max_attempts: 3,
    timeout_s: 600,
    priority: 0,
    idempotency_key: null,
    request_hash: null,
    webhook: null,
    dialect: 'native',
    created_at: created,
    started_at: null,
    completed_at: null,
    expires_at: created + 3_600_000,
    run_after: created,
    degraded: false,
    lease_owner: null,
    lease_token: null,
    lease_until: null,
    ...over,
  };
}

interface TestAccount {
  account: Account;
  key: ApiKeyRecord;
  rawKey: string;
  keyHash: string;
  webhookSecret: string;
}

async function makeAccount(store: Store, name: string, over: Partial<ApiKeyRecord> = {}): Promise<TestAccount> {
  const rawKey = newApiKey();
  const account: Account = { id: newId(), name, credits_balance: 1_000_000, max_running: null, created_at: T0 };
  const key: ApiKeyRecord = {
    id: newId(), account_id: account.id, name: `${name}-key`, prefix: rawKey.slice(0, 10),
    rate_limit: 60, created_at: T0, revoked_at: null, ...over,
  };
  const keyHash = hashApiKey(rawKey);
  const webhookSecret = `whsec_${newToken()}`;
  await store.createAccountWithKey({ account, key, keyHash, webhookSecret });
  return { account, key, rawKey, keyHash, webhookSecret };
}

function makeVoice(accountId: string, over: Partial<Voice> = {}): Voice {
  return {
    id: newId(), account_id: accountId, name: 'Narrator', language: 'en', gender: 'female', engine: 'espeak',
    params: { pitch: 55, formants: [1.1, 0.9], nested: { a: true } }, sample_key: `${accountId}/voices/x.wav`,
    created_at: T0, ...over,
  };
}

const ids = (ts: Array<{ id: string }>): string[] => ts.map((t) => t.id);
const sorted = (xs: string[]): string[] => [...xs].sort();

export function runStoreConformance(name: string, makeStore: () => Promise<Store>): void {
  describe(`Store conformance: ${name}`, () => {
    let store: Store;
    let A: TestAccount;
    let B: TestAccount;

    beforeEach(async () => {
      store = await makeStore();
      A = await makeAccount(store, 'alice');
      B = await makeAccount(store, 'bob');
    });

    afterEach(async () => {
      await store.close();
    });

    /** inserts and returns the stored tasks */
    const insert = (tasks: NewTask[], event = 'task.queued'): Promise<Task[]> => store.insertTasks(tasks, event);
    const insertOne = async (t: NewTask, event = 'task.queued'): Promise<Task> => (await insert([t], event))[0]!;
    const claim = (owner: string, limit: number, now = T0, extra: { leaseUntil?: number; models?: string[] } = {}) =>
      store.claimTasks({ owner, limit, now, leaseUntil: extra.leaseUntil ?? now + 30_000, newToken: tok, models: extra.models });

    describe('lifecycle', () => {
      it('migrate is idempotent and keeps data', async () => {
        const t = await insertOne(makeTask(A.account.id));
        await store.migrate();
        await store.migrate();
        expect(await store.getTask(t.id)).toEqual(t);
        await store.ping();
      });
    });

    describe('accounts and keys', () => {
      it('creates an account with a key, found by the key hash', async () => {
        const found = await store.findKeyByHash(A.keyHash);
        expect(found).toEqual({ key: A.key, account: A.account });
        expect(await store.findKeyByHash(hashApiKey(newApiKey()))).toBeNull();
        expect(await store.getAccount(A.account.id)).toEqual(A.account);
        expect(await store.getAccount(newId())).toBeNull();
        expect(await store.getWebhookSecret(A.account.id)).toBe(A.webhookSecret);
        expect(await store.getWebhookSecret(B.account.id)).toBe(B.webhookSecret);
        expect(await store.getWebhookSecret(newId())).toBeNull();
      });

      it('addKey attaches another key to an existing account', async () => {
        const raw = newApiKey();
        const key: ApiKeyRecord = {
          id: newId(), account_id: A.account.id, name: 'second', prefix: raw.slice(0, 10), rate_limit: null, created_at: T0 + 1, revoked_at: null,
        };
        await store.addKey(key, hashApiKey(raw));
        const found = await store.findKeyByHash(hashApiKey(raw));
        expect(found?.key).toEqual(key);
        expect(found?.account.id).toBe(A.account.id);
        expect(await store.countKeys()).toBe(3);
      });

      it('listKeys filters by account and never exposes a hash', async () => {
        const all = await store.listKeys();
        expect(sorted(ids(all))).toEqual(sorted([A.key.id, B.key.id]));
        const mine = await store.listKeys(A.account.id);
        expect(mine).toEqual([A.key]);
        expect(JSON.stringify(all)).not.toContain(A.keyHash);
        expect(await store.listKeys(newId())).toEqual([]);
      });

      it('revokes by id and by prefix; revoked keys are still found but marked, and not counted', async () => {
        expect(await store.countKeys()).toBe(2);
        const byId = await store.revokeKey(A.key.id, T0 + 10);
        expect(byId).toEqual({ ...A.key, revoked_at: T0 + 10 });
        expect((await store.findKeyByHash(A.keyHash))?.key.revoked_at).toBe(T0 + 10);
        expect(await store.countKeys()).toBe(1);

        const byPrefix = await store.revokeKey(B.key.prefix, T0 + 20);
        expect(byPrefix?.id).toBe(B.key.id);
        expect(byPrefix?.revoked_at).toBe(T0 + 20);
        expect(await store.countKeys()).toBe(0);

        // revoking again keeps the first revocation time
        const again = await store.revokeKey(A.key.id, T0 + 99);
        expect(again?.revoked_at).toBe(T0 + 10);
        expect(await store.revokeKey('no-such-key', T0)).toBeNull();
      });

      it('an ambiguous prefix revokes nothing', async () => {
        const C = await makeAccount(store, 'carol', { prefix: 'sk_shared1' });
        const D = await makeAccount(store, 'dave', { prefix: 'sk_shared1' });
        expect(await store.revokeKey('sk_shared1', T0 + 5)).toBeNull();
        expect((await store.findKeyByHash(C.keyHash))?.key.revoked_at).toBeNull();
        expect((await store.findKeyByHash(D.keyHash))?.key.revoked_at).toBeNull();
        expect(await store.countKeys()).toBe(4);
      });
    });

    describe('settings', () => {
      it('getOrCreateSetting creates once and then returns the stored value', async () => {
        let calls = 0;
        const v1 = await store.getOrCreateSetting('secret', () => `v${++calls}`);
        const v2 = await store.getOrCreateSetting('secret', () => `v${++calls}`);
        expect(v1).toBe('v1');
        expect(v2).toBe('v1');
        expect(calls).toBe(1);
        expect(await store.getOrCreateSetting('other', () => 'o')).toBe('o');
      });

      it('concurrent first calls all agree on one value', async () => {
        const values = await Promise.all(
          Array.from({ length: 10 }, (_, i) => store.getOrCreateSetting('race', () => `value-${i}`)),
        );
        expect(new Set(values).size).toBe(1);
        expect(await store.getOrCreateSetting('race', () => 'late')).toBe(values[0]);
      });
    });

    describe('insertTasks and reads', () => {
      it('round-trips every field, assigns version 1 and increasing run_ids, in input order', async () => {
        const full = makeTask(A.account.id, {
          provider: 'espeak', progress: 0.25, result: { files: [{ key: 'a/b/out.wav', format: 'wav', content_type: 'audio/wav', size_bytes: 44, duration_s: 1.5 }], voice_id: 'v1' },
          error: { code: 'X', message: 'm', type: 'provider', retryable: true }, credits_used: 2, attempts: 1, priority: 7,
          idempotency_key: 'idem-1', webhook: { url: 'https://example.com/hook', events: ['task.succeeded'] }, dialect: 'camb',
          started_at: T0 + 1, completed_at: null, expires_at: null, run_after: T0 + 5, degraded: true,
        });
        const batch = [full, makeTask(A.account.id), makeTask(B.account.id), makeTask(A.account.id, { metadata: null })];
        const stored = await insert(batch);
        expect(ids(stored)).toEqual(ids(batch));
        stored.forEach((t, i) => {
          expect(t).toEqual({ ...batch[i], run_id: t.run_id, version: 1 });
          expect(Number.isInteger(t.run_id)).toBe(true);
          if (i > 0) expect(t.run_id).toBeGreaterThan(stored[i - 1]!.run_id);
        });
        for (const t of stored) expect(await store.getTask(t.id)).toEqual(t);
        const later = await insertOne(makeTask(A.account.id));
        expect(later.run_id).toBeGreaterThan(stored[3]!.run_id);
        expect(await insert([])).toEqual([]);
      });

      it('appends one event per task with the given type', async () => {
        const stored = await insert([makeTask(A.account.id), makeTask(A.account.id, { status: 'pending' })], 'task.created');
        for (const t of stored) {
          const events = await store.listEvents(t.id, 0);
          expect(events).toHaveLength(1);
          expect(events[0]).toMatchObject({ task_id: t.id, type: 'task.created', status: t.status, progress: null });
          expect(typeof events[0]!.seq).toBe('number');
          expect(typeof events[0]!.at).toBe('number');
        }
      });

      it('is all-or-nothing: one row violating the idempotency index inserts nothing', async () => {
        await insertOne(makeTask(A.account.id, { idempotency_key: 'dup' }));
        const batch = [makeTask(A.account.id), makeTask(A.account.id), makeTask(A.account.id, { idempotency_key: 'dup' })];
        await expect(insert(batch)).rejects.toThrow();
        for (const t of batch.slice(0, 2)) {
          expect(await store.getTask(t.id)).toBeNull();
          expect(await store.listEvents(t.id, 0)).toEqual([]);
        }
        // a duplicate inside one batch is just as fatal
        const inner = [makeTask(A.account.id, { idempotency_key: 'k2' }), makeTask(A.account.id, { idempotency_key: 'k2' })];
        await expect(insert(inner)).rejects.toThrow();
        expect(await store.getTask(inner[0]!.id)).toBeNull();
        expect(await store.listTasks({ accountId: A.account.id, limit: 100 })).toHaveLength(1);
        // the store still works afterwards, and the key is per account
        const other = await insertOne(makeTask(B.account.id, { idempotency_key: 'dup' }));
        expect(other.idempotency_key).toBe('dup');
      });

      it('a duplicate task id is rejected', async () => {
        const t = await insertOne(makeTask(A.account.id));
        await expect(insert([makeTask(A.account.id, { id: t.id })])).rejects.toThrow();
      });

      it('getTask hides other accounts', async () => {
        const t = await insertOne(makeTask(A.account.id));
        expect(await store.getTask(t.id, A.account.id)).toEqual(t);
        expect(await store.getTask(t.id)).toEqual(t);
        expect(await store.getTask(t.id, B.account.id)).toBeNull();
        expect(await store.getTask(newTaskId())).toBeNull();
      });

      it('findByIdempotencyKey is scoped to the account', async () => {
        const t = await insertOne(makeTask(A.account.id, { idempotency_key: 'order-42' }));
        expect(await store.findByIdempotencyKey(A.account.id, 'order-42')).toEqual(t);
        expect(await store.findByIdempotencyKey(B.account.id, 'order-42')).toBeNull();
        expect(await store.findByIdempotencyKey(A.account.id, 'order-43')).toBeNull();
      });

      it('getTaskByRunId is scoped to the account', async () => {
        const [a, b] = await insert([makeTask(A.account.id), makeTask(B.account.id)]);
        expect(await store.getTaskByRunId(a!.run_id, A.account.id)).toEqual(a);
        expect(await store.getTaskByRunId(b!.run_id, B.account.id)).toEqual(b);
        expect(await store.getTaskByRunId(a!.run_id, B.account.id)).toBeNull();
        expect(await store.getTaskByRunId(999_999_999, A.account.id)).toBeNull();
      });
    });

    describe('listTasks', () => {
      it('lists one account newest first by id, with filters, cursor and limit', async () => {
        const mine: Task[] = [];
        const statuses: TaskStatus[] = ['queued', 'succeeded', 'failed', 'queued', 'running', 'succeeded', 'cancelled'];
        for (const [i, status] of statuses.entries()) {
          mine.push(await insertOne(makeTask(A.account.id, { status, capability: i % 3 === 0 ? 'image' : 'voice', action: i % 3 === 0 ? 'generate' : 'tts' })));
        }
        await insert([makeTask(B.account.id), makeTask(B.account.id, { status: 'succeeded' })]);
        const newestFirst = sorted(ids(mine)).reverse();

        const all = await store.listTasks({ accountId: A.account.id, limit: 100 });
        expect(ids(all)).toEqual(newestFirst);
        expect(all.every((t) => t.account_id === A.account.id)).toBe(true);

        expect(ids(await store.listTasks({ accountId: A.account.id, limit: 3 }))).toEqual(newestFirst.slice(0, 3));

        const done = await store.listTasks({ accountId: A.account.id, status: ['succeeded', 'failed'], limit: 100 });
        expect(ids(done)).toEqual(newestFirst.filter((id) => ['succeeded', 'failed'].includes(mine.find((t) => t.id === id)!.status)));
        expect(done).toHaveLength(3);

        const images = await store.listTasks({ accountId: A.account.id, capability: 'image', limit: 100 });
        expect(images.map((t) => t.capability)).toEqual(['image', 'image', 'image']);
        const queuedVoice = await store.listTasks({ accountId: A.account.id, capability: 'voice', status: ['queued'], limit: 100 });
        expect(queuedVoice).toHaveLength(0);
        expect(await store.listTasks({ accountId: A.account.id, status: [], limit: 100 })).toHaveLength(7);

        // paging with `before` walks the whole list exactly once
        const pages: string[] = [];
        let before: string | undefined;
        for (let guard = 0; guard < 10; guard++) {
          const page = await store.listTasks({ accountId: A.account.id, limit: 2, ...(before ? { before } : {}) });
          if (page.length === 0) break;
          expect(page.length).toBeLessThanOrEqual(2);
          pages.push(...ids(page));
          before = page[page.length - 1]!.id;
        }
        expect(pages).toEqual(newestFirst);

        // a cursor keeps working while newer tasks arrive
        await insertOne(makeTask(A.account.id));
        expect(ids(await store.listTasks({ accountId: A.account.id, limit: 2, before: newestFirst[1]! }))).toEqual(newestFirst.slice(2, 4));
        expect(await store.listTasks({ accountId: B.account.id, limit: 100, before: newestFirst[6]! })).toEqual([]);
      });
    });

    describe('claimTasks', () => {
      it('moves a task to running exactly as the state machine says, under a lease, with an event', async () => {
        const t = await insertOne(makeTask(A.account.id));
        const [c] = await claim('w1', 1, T0 + 10, { leaseUntil: T0 + 1000 });
        expect(c).toBeDefined();
        const expected = transition(t, { type: 'claim', owner: 'w1', token: c!.lease_token!, leaseUntil: T0 + 1000 }, T0 + 10);
        expect(c).toEqual({ ...expected, version: t.version + 1 });
        expect(c).toMatchObject({ status: 'running', attempts: 1, lease_owner: 'w1', lease_until: T0 + 1000, started_at: T0 + 10 });
        expect(c!.lease_token).toMatch(/^tok-/);
        expect(await store.getTask(t.id)).toEqual(c);
        const events = await store.listEvents(t.id, 0);
        expect(events.map((e) => [e.type, e.status])).toEqual([['task.queued', 'queued'], ['task.running', 'running']]);
        expect(await claim('w2', 10, T0 + 10)).toEqual([]);
      });

      it('keeps the first started_at when a task runs again', async () => {
        const t = await insertOne(makeTask(A.account.id, { started_at: T0 - 500, attempts: 1 }));
        const [c] = await claim('w1', 1, T0);
        expect(c!.started_at).toBe(T0 - 500);
        expect(c!.attempts).toBe(2);
        expect(c!.id).toBe(t.id);
      });

      it('gives each claimed task its own token', async () => {
        await insert([makeTask(A.account.id), makeTask(A.account.id), makeTask(A.account.id)]);
        const claimed = await claim('w1', 10);
        expect(claimed).toHaveLength(3);
        expect(new Set(claimed.map((t) => t.lease_token)).size).toBe(3);
      });

      it('is FIFO within a priority and serves higher priority first', async () => {
        const low1 = await insertOne(makeTask(A.account.id, { priority: 0 }));
        const high1 = await insertOne(makeTask(B.account.id, { priority: 5 }));
        const low2 = await insertOne(makeTask(A.account.id, { priority: 0 }));
        const mid = await insertOne(makeTask(A.account.id, { priority: 1 }));
        const high2 = await insertOne(makeTask(A.account.id, { priority: 5 }));
        const [low3, low4] = await insert([makeTask(A.account.id), makeTask(A.account.id)]);
        const order: string[] = [];
        for (let i = 0; i < 8; i++) order.push(...ids(await claim('w', 1)));
        expect(order).toEqual(ids([high1, high2, mid, low1, low2, low3!, low4!]));
      });

      it('respects run_after', async () => {
        const later = await insertOne(makeTask(A.account.id, { run_after: T0 + 1000 }));
        const now = await insertOne(makeTask(A.account.id, { run_after: T0 }));
        expect(ids(await claim('w', 10, T0))).toEqual([now.id]);
        expect(await claim('w', 10, T0 + 999)).toEqual([]);
        expect(ids(await claim('w', 10, T0 + 1000))).toEqual([later.id]);
      });

      it('never starts a task past its queue deadline (that is the sweep’s to expire), but resumes a started one', async () => {
        const overdue = await insertOne(makeTask(A.account.id, { expires_at: T0 + 100 }));
        const resumed = await insertOne(makeTask(A.account.id, { expires_at: T0 + 100, started_at: T0 - 50, attempts: 1 }));
        const open = await insertOne(makeTask(A.account.id, { expires_at: null }));
        expect(ids(await claim('w', 10, T0 + 101))).toEqual([resumed.id, open.id]);
        expect((await store.getTask(overdue.id))!.status).toBe('queued');
        expect(ids(await store.findOverdue(T0 + 101, 10))).toEqual([overdue.id]);
      });

      it('respects the models filter', async () => {
        const m1 = await insertOne(makeTask(A.account.id, { model: 'm1' }));
        const m2 = await insertOne(makeTask(A.account.id, { model: 'm2' }));
        const m3 = await insertOne(makeTask(A.account.id, { model: 'm3' }));
        expect(await claim('w', 10, T0, { models: [] })).toEqual([]);
        expect(await claim('w', 10, T0, { models: ['nope'] })).toEqual([]);
        expect(ids(await claim('w', 10, T0, { models: ['m2'] }))).toEqual([m2.id]);
        expect(sorted(ids(await claim('w', 10, T0, { models: ['m1', 'm3'] })))).toEqual(sorted([m1.id, m3.id]));
      });

      it('claims only queued tasks and no more than the limit', async () => {
        await insert([
          makeTask(A.account.id, { status: 'pending' }),
          makeTask(A.account.id, { status: 'succeeded' }),
          makeTask(A.account.id, { status: 'cancelled' }),
        ]);
        const queued = await insert([makeTask(A.account.id), makeTask(A.account.id), makeTask(A.account.id)]);
        const first = await claim('w', 2);
        expect(first).toHaveLength(2);
        const second = await claim('w', 2);
        expect(ids(second)).toEqual([queued[2]!.id]);
        expect(await claim('w', 2)).toEqual([]);
      });

      it('never hands one task to two concurrent claims', async () => {
        const tasks = await insert(Array.from({ length: 30 }, (_, i) => makeTask(i % 2 ? A.account.id : B.account.id)));
        const results = await Promise.all(Array.from({ length: 10 }, (_, i) => claim(`w${i}`, 5)));
        const all = results.flat();
        expect(results.every((r) => r.length <= 5)).toBe(true);
        expect(new Set(ids(all)).size).toBe(all.length);
        expect(all).toHaveLength(30);
        expect(sorted(ids(all))).toEqual(sorted(ids(tasks)));
        // each task is owned by the claim that returned it
        for (const [i, r] of results.entries()) {
          for (const t of r) expect((await store.getTask(t.id))!.lease_owner).toBe(`w${i}`);
        }
      });
    });

    describe('updateTask (compare-and-set)', () => {
      it('writes when the guard matches, bumps version and appends the event', async () => {
        const t = await insertOne(makeTask(A.account.id));
        const [c] = await claim('w1', 1, T0 + 1);
        const next = transition(c!, {
          type: 'succeed', provider: 'espeak', creditsUsed: 2,
          result: { files: [{ key: 'k/out.wav', format: 'wav', content_type: 'audio/wav', size_bytes: 10, duration_s: 0.5 }], extra: { a: 1 } },
        }, T0 + 50);
        const written = await store.updateTask({ next, expectStatus: 'running', expectLeaseToken: c!.lease_token, event: 'task.succeeded' });
        expect(written).toEqual({ ...next, version: c!.version + 1 });
        expect(await store.getTask(t.id)).toEqual(written);
        const events = await store.listEvents(t.id, 0);
        expect(events.map((e) => e.type)).toEqual(['task.queued', 'task.running', 'task.succeeded']);
        expect(events[2]).toMatchObject({ status: 'succeeded', progress: 1 });
      });

      it('a wrong expected status writes nothing', async () => {
        const t = await insertOne(makeTask(A.account.id));
        const next = transition(t, { type: 'cancel' }, T0 + 1);
        expect(await store.updateTask({ next, expectStatus: 'running', event: 'task.cancelled' })).toBeNull();
        expect(await store.getTask(t.id)).toEqual(t);
        expect(await store.listEvents(t.id, 0)).toHaveLength(1);
        expect(await store.updateTask({ next: { ...next, id: newTaskId() }, expectStatus: 'queued' })).toBeNull();
      });

      it('a wrong lease token writes nothing (fencing)', async () => {
        await insertOne(makeTask(A.account.id));
        const [c] = await claim('w1', 1);
        const next = transition(c!, { type: 'fail', error: { code: 'E', message: 'm', type: 'provider', retryable: false } }, T0 + 5);
        expect(await store.updateTask({ next, expectStatus: 'running', expectLeaseToken: 'not-my-token', event: 'task.failed' })).toBeNull();
        expect(await store.updateTask({ next, expectStatus: 'running', expectLeaseToken: null, event: 'task.failed' })).toBeNull();
        expect(await store.getTask(c!.id)).toEqual(c);
        expect(await store.updateTask({ next, expectStatus: 'running', expectLeaseToken: c!.lease_token, event: 'task.failed' })).not.toBeNull();
      });

      it('expectLeaseToken null matches a task without a lease; undefined skips the lease guard', async () => {
        const t = await insertOne(makeTask(A.account.id));
        expect(await store.updateTask({ next: { ...t, run_after: T0 - 7 }, expectStatus: 'queued', expectLeaseToken: 'x' })).toBeNull();
        const w = await store.updateTask({ next: { ...t, run_after: T0 - 7 }, expectStatus: 'queued', expectLeaseToken: null });
        expect(w).toMatchObject({ run_after: T0 - 7, version: 2 });
        expect(await store.getTask(t.id)).toEqual(w);
        const [c] = await claim('w1', 1);
        // cancel from outside the worker: no token known, guarded by status only
        const cancelled = await store.updateTask({ next: transition(c!, { type: 'cancel' }, T0 + 3), expectStatus: 'running', event: 'task.cancelled' });
        expect(cancelled).toMatchObject({ status: 'cancelled', lease_token: null, version: 4 });
      });

      it('a silent write appends no event but still bumps version', async () => {
        await insertOne(makeTask(A.account.id));
        const [c] = await claim('w1', 1);
        const next = transition(c!, { type: 'progress', progress: 0.5 }, T0 + 1);
        const w = await store.updateTask({ next, expectStatus: 'running', expectLeaseToken: c!.lease_token });
        expect(w).toMatchObject({ progress: 0.5, version: c!.version + 1 });
        expect(await store.listEvents(c!.id, 0)).toHaveLength(2);
      });

      it('a worker whose lease was taken over is fenced off even though the status matches', async () => {
        await insertOne(makeTask(A.account.id));
        const [old] = await claim('dead', 1, T0, { leaseUntil: T0 + 100 });
        // the lease expires; a sweeper returns the task to the queue and another worker takes it
        const [expired] = await store.findExpiredLeases(T0 + 200, 10);
        expect(expired?.id).toBe(old!.id);
        const requeued = await store.updateTask({
          next: transition(expired!, { type: 'lease_expired', runAfter: T0 + 200 }, T0 + 200),
          expectStatus: 'running', expectLeaseToken: expired!.lease_token, event: 'task.queued',
        });
        expect(requeued).toMatchObject({ status: 'queued', lease_token: null });
        const [fresh] = await claim('alive', 1, T0 + 200);
        expect(fresh).toMatchObject({ id: old!.id, status: 'running', attempts: 2, lease_owner: 'alive' });
        expect(fresh!.lease_token).not.toBe(old!.lease_token);

        const stale = transition(old!, { type: 'succeed', result: { files: [] }, provider: 'p', creditsUsed: 1 }, T0 + 300);
        expect(await store.updateTask({ next: stale, expectStatus: 'running', expectLeaseToken: old!.lease_token, event: 'task.succeeded' })).toBeNull();
        expect(await store.renewLeases('dead', [old!.id], T0 + 10_000)).toEqual([]);
        expect(await store.getTask(old!.id)).toEqual(fresh);
      });

      it('of two concurrent writers with the same expectation exactly one wins', async () => {
        const t = await insertOne(makeTask(A.account.id));
        const results = await Promise.all([
          store.updateTask({ next: transition(t, { type: 'cancel' }, T0 + 1), expectStatus: 'queued', event: 'task.cancelled' }),
          store.updateTask({ next: transition(t, { type: 'expire' }, T0 + 1), expectStatus: 'queued', event: 'task.expired' }),
        ]);
        expect(results.filter((r) => r !== null)).toHaveLength(1);
        expect(await store.listEvents(t.id, 0)).toHaveLength(2);
      });
    });

    describe('leases and sweeps', () => {
      it('renewLeases extends only the owner\'s running tasks', async () => {
        const [t1, t2, t3] = await insert([makeTask(A.account.id), makeTask(A.account.id), makeTask(A.account.id)]);
        await claim('w1', 2, T0, { leaseUntil: T0 + 100 });
        await claim('w2', 1, T0, { leaseUntil: T0 + 100 });
        expect(sorted(await store.renewLeases('w1', [t1!.id, t2!.id, t3!.id, newTaskId()], T0 + 500))).toEqual(sorted([t1!.id, t2!.id]));
        expect((await store.getTask(t1!.id))!.lease_until).toBe(T0 + 500);
        expect((await store.getTask(t3!.id))!.lease_until).toBe(T0 + 100);
        expect(await store.renewLeases('w1', [], T0 + 600)).toEqual([]);

        // once a task is finished its lease cannot be renewed
        const c2 = (await store.getTask(t2!.id))!;
        await store.updateTask({ next: transition(c2, { type: 'succeed', result: { files: [] }, provider: 'p', creditsUsed: 1 }, T0 + 10), expectStatus: 'running', expectLeaseToken: c2.lease_token });
        expect(await store.renewLeases('w1', [t1!.id, t2!.id], T0 + 700)).toEqual([t1!.id]);
      });

      it('findExpiredLeases returns running tasks whose lease ended before now', async () => {
        const [t1, t2, t3] = await insert([makeTask(A.account.id), makeTask(A.account.id), makeTask(A.account.id)]);
        await claim('w1', 3, T0, { leaseUntil: T0 + 100 });
        await store.renewLeases('w1', [t3!.id], T0 + 1000);
        await insertOne(makeTask(A.account.id)); // queued, no lease
        expect(await store.findExpiredLeases(T0 + 50, 10)).toEqual([]);
        expect(await store.findExpiredLeases(T0 + 100, 10)).toEqual([]); // ends at now: not yet before now
        const expired = await store.findExpiredLeases(T0 + 101, 10);
        expect(sorted(ids(expired))).toEqual(sorted([t1!.id, t2!.id]));
        expect(expired.every((t) => t.status === 'running' && t.lease_owner === 'w1')).toBe(true);
        expect(await store.findExpiredLeases(T0 + 101, 1)).toHaveLength(1);
        expect(sorted(ids(await store.findExpiredLeases(T0 + 2000, 10)))).toEqual(sorted([t1!.id, t2!.id, t3!.id]));
      });

      it('findOverdue returns pending/queued never-started tasks past their deadline', async () => {
        const [queuedLate, pendingLate] = await insert([
          makeTask(A.account.id, { expires_at: T0 + 100 }),
          makeTask(A.account.id, { status: 'pending', expires_at: T0 + 50 }),
          makeTask(A.account.id, { expires_at: T0 + 1000 }), // not yet
          makeTask(A.account.id, { expires_at: null }), // no deadline
          makeTask(A.account.id, { expires_at: T0 + 10, started_at: T0 - 1, attempts: 1 }), // a retry: it did start
          makeTask(A.account.id, { status: 'succeeded', expires_at: T0 + 10 }),
          makeTask(B.account.id, { status: 'cancelled', expires_at: T0 + 10 }),
        ]);
        const running = await insertOne(makeTask(B.account.id, { priority: 9, expires_at: T0 + 10 }));
        const [c] = await claim('w', 1, T0);
        expect(c!.id).toBe(running.id);
        const overdue = await store.findOverdue(T0 + 200, 10);
        expect(sorted(ids(overdue))).toEqual(sorted([queuedLate!.id, pendingLate!.id]));
        expect(await store.findOverdue(T0 + 200, 1)).toHaveLength(1);
        expect(await store.findOverdue(T0, 10)).toEqual([]);
      });

      it('nextRunAfter is the earliest future run_after among queued tasks', async () => {
        expect(await store.nextRunAfter(T0)).toBeNull();
        await insert([
          makeTask(A.account.id, { run_after: T0 }),
          makeTask(A.account.id, { run_after: T0 + 500 }),
          makeTask(A.account.id, { run_after: T0 + 200 }),
          makeTask(A.account.id, { status: 'pending', run_after: T0 + 100 }),
          makeTask(A.account.id, { status: 'succeeded', run_after: T0 + 150 }),
        ]);
        expect(await store.nextRunAfter(T0)).toBe(T0 + 200);
        expect(await store.nextRunAfter(T0 + 200)).toBe(T0 + 500);
        expect(await store.nextRunAfter(T0 + 500)).toBeNull();
      });
    });

    describe('events', () => {
      it('listEvents returns one task\'s events in order after a sequence number', async () => {
        const [t, other] = await insert([makeTask(A.account.id), makeTask(A.account.id)]);
        const [c] = await claim('w', 1);
        expect(c!.id).toBe(t!.id);
        const p = await store.updateTask({ next: transition(c!, { type: 'progress', progress: 0.4 }, T0), expectStatus: 'running', event: 'task.progress' });
        await store.updateTask({ next: transition(p!, { type: 'succeed', result: { files: [] }, provider: 'p', creditsUsed: 1 }, T0), expectStatus: 'running', event: 'task.succeeded' });
        const events = await store.listEvents(t!.id, 0);
        expect(events.map((e) => [e.type, e.status, e.progress])).toEqual([
          ['task.queued', 'queued', null],
          ['task.running', 'running', 0],
          ['task.progress', 'running', 0.4],
          ['task.succeeded', 'succeeded', 1],
        ]);
        for (let i = 1; i < events.length; i++) expect(events[i]!.seq).toBeGreaterThan(events[i - 1]!.seq);
        expect(events.every((e) => e.task_id === t!.id)).toBe(true);
        expect(await store.listEvents(t!.id, events[1]!.seq)).toEqual(events.slice(2));
        expect(await store.listEvents(t!.id, events[3]!.seq)).toEqual([]);
        expect(await store.listEvents(other!.id, 0)).toHaveLength(1);
        expect(await store.listEvents(newTaskId(), 0)).toEqual([]);
      });
    });

    describe('queue introspection', () => {
      it('queueStats counts queued and running per model', async () => {
        expect(await store.queueStats()).toEqual([]);
        await insert([
          makeTask(A.account.id, { model: 'm1', created_at: T0 + 30 }),
          makeTask(A.account.id, { model: 'm1', created_at: T0 + 10 }),
          makeTask(B.account.id, { model: 'm1', created_at: T0 + 20 }),
          makeTask(A.account.id, { model: 'm2', created_at: T0 + 40 }),
          makeTask(A.account.id, { model: 'm3', status: 'succeeded' }),
          makeTask(A.account.id, { model: 'm4', status: 'pending' }),
        ]);
        await claim('w', 1, T0 + 50, { models: ['m1'] }); // takes the first inserted (created T0+30)
        const stats = [...(await store.queueStats())].sort((a, b) => a.model.localeCompare(b.model));
        expect(stats).toEqual([
          { model: 'm1', queued: 2, running: 1, oldest_queued_at: T0 + 10 },
          { model: 'm2', queued: 1, running: 0, oldest_queued_at: T0 + 40 },
        ]);
      });

      it('queuePosition is 1-based among queued tasks of the model, priority first', async () => {
        const [a, b, c, d] = await insert([
          makeTask(A.account.id, { priority: 0 }),
          makeTask(B.account.id, { priority: 0 }),
          makeTask(A.account.id, { priority: 5 }),
          makeTask(A.account.id, { priority: 0, model: 'm2' }),
        ]);
        expect(await store.queuePosition(c!)).toBe(1);
        expect(await store.queuePosition(a!)).toBe(2);
        expect(await store.queuePosition(b!)).toBe(3);
        expect(await store.queuePosition(d!)).toBe(1);
        const [claimed] = await claim('w', 1);
        expect(claimed!.id).toBe(c!.id);
        expect(await store.queuePosition(claimed!)).toBeNull();
        expect(await store.queuePosition(a!)).toBe(1);
        expect(await store.queuePosition(b!)).toBe(2);
      });
    });

    describe('workers', () => {
      const worker = (over: Partial<WorkerRecord> = {}): WorkerRecord => ({
        id: `worker-${newId()}`, host: 'host-a', pid: 1234, started_at: T0, last_seen: T0, alive_until: T0 + 30_000,
        running: 0, concurrency: 4, models: ['m1', 'm2'], ...over,
      });

      it('recordWorker upserts; listWorkers shows the live ones oldest first; removeWorker forgets one', async () => {
        const w1 = worker({ started_at: T0 + 5 });
        const w2 = worker({ started_at: T0, host: 'host-b', models: [] });
        await store.recordWorker(w1);
        await store.recordWorker(w2);
        expect(await store.listWorkers(T0)).toEqual([w2, w1]);
        const beat = { ...w1, last_seen: T0 + 10_000, alive_until: T0 + 40_000, running: 3 };
        await store.recordWorker(beat);
        expect(await store.listWorkers(T0 + 30_000)).toEqual([w2, beat]); // alive_until == now still counts
        expect(await store.listWorkers(T0 + 30_001)).toEqual([beat]);
        await store.removeWorker(w1.id);
        await store.removeWorker('no-such-worker');
        expect(await store.listWorkers(T0)).toEqual([w2]);
      });

      it('recordWorker forgets workers gone for more than an hour', async () => {
        const old = worker({ alive_until: T0 });
        await store.recordWorker(old);
        const now = T0 + 3_600_000 + 10_000;
        const fresh = worker({ started_at: now, last_seen: now, alive_until: now + 30_000 });
        await store.recordWorker(fresh);
        expect(await store.listWorkers(0)).toEqual([fresh]);
      });

      it('subscribeChanges returns an unsubscribe function', () => {
        const off = store.subscribeChanges(() => {});
        expect(typeof off).toBe('function');
        off();
      });
    });

    describe('retention', () => {
      it('findFinishedBefore lists terminal tasks completed before the cutoff, oldest first', async () => {
        const [s1, f1, c1, , , x1] = await insert([
          makeTask(A.account.id, { status: 'succeeded', completed_at: T0 + 30 }),
          makeTask(A.account.id, { status: 'failed', completed_at: T0 + 10 }),
          makeTask(B.account.id, { status: 'cancelled', completed_at: T0 + 20 }),
          makeTask(A.account.id, { status: 'succeeded', completed_at: T0 + 500 }), // too recent
          makeTask(A.account.id, { status: 'queued' }),
          makeTask(A.account.id, { status: 'expired', completed_at: T0 + 40 }),
        ]);
        expect(ids(await store.findFinishedBefore(T0 + 100, 10))).toEqual(ids([f1!, c1!, s1!, x1!]));
        expect(ids(await store.findFinishedBefore(T0 + 100, 2))).toEqual(ids([f1!, c1!]));
        expect(await store.findFinishedBefore(T0 + 10, 10)).toEqual([]);
      });

      it('deleteTasks removes only terminal tasks, with their events', async () => {
        const [done, queued] = await insert([makeTask(A.account.id, { status: 'succeeded', completed_at: T0 }), makeTask(A.account.id)]);
        const [claimed] = await insert([makeTask(A.account.id, { priority: 9 })]);
        await claim('w', 1);
        expect(await store.deleteTasks([done!.id, queued!.id, claimed!.id, newTaskId()])).toBe(1);
        expect(await store.getTask(done!.id)).toBeNull();
        expect(await store.listEvents(done!.id, 0)).toEqual([]);
        expect(await store.getTask(queued!.id)).not.toBeNull();
        expect((await store.getTask(claimed!.id))!.status).toBe('running');
        expect(await store.listEvents(queued!.id, 0)).toHaveLength(1);
        expect(await store.deleteTasks([])).toBe(0);
      });
    });

    describe('voices', () => {
      it('stores voices per account and never shows them to another', async () => {
        const a1 = makeVoice(A.account.id, { name: 'one' });
        const a2 = makeVoice(A.account.id, { name: 'two', gender: null, sample_key: null, created_at: T0 + 1 });
        const b1 = makeVoice(B.account.id, { name: 'theirs' });
        await store.insertVoices([a1, a2]);
        await store.insertVoices([b1]);
        await store.insertVoices([]);
        const mine = await store.listVoices(A.account.id);
        expect([...mine].sort((x, y) => x.id.localeCompare(y.id))).toEqual([a1, a2].sort((x, y) => x.id.localeCompare(y.id)));
        expect(await store.listVoices(B.account.id)).toEqual([b1]);
        expect(await store.listVoices(newId())).toEqual([]);
        expect(await store.getVoice(a1.id, A.account.id)).toEqual(a1);
        expect(await store.getVoice(a1.id, B.account.id)).toBeNull();
        expect(await store.getVoice(b1.id, A.account.id)).toBeNull();
        expect(await store.getVoice(newId(), A.account.id)).toBeNull();
      });

      it('insertVoices is all-or-nothing', async () => {
        const a1 = makeVoice(A.account.id);
        await store.insertVoices([a1]);
        const fresh = makeVoice(A.account.id);
        await expect(store.insertVoices([fresh, { ...a1 }])).rejects.toThrow();
        expect(await store.getVoice(fresh.id, A.account.id)).toBeNull();
      });
    });
    describe('credits ledger', () => {
      const balance = async (id: string) => (await store.getAccount(id))!.credits_balance;
      /** the invariant: an account's balance is the sum of its ledger */
      const ledgerSum = async (id: string) => (await store.listLedger(id, 10_000)).reduce((n, e) => n + e.amount, 0);
      const finish = async (t: Task, type: 'succeed' | 'fail', used = 0): Promise<Task | null> => {
        const [c] = await claim('w', 1);
        expect(c!.id).toBe(t.id);
        const next = type === 'succeed'
          ? transition(c!, { type: 'succeed', result: { files: [] }, provider: 'p', creditsUsed: used }, T0 + 5)
          : transition(c!, { type: 'fail', error: { code: 'PROVIDER_ERROR', message: 'x', type: 'provider', retryable: false } }, T0 + 5);
        return store.updateTask({ next, expectStatus: 'running', expectLeaseToken: c!.lease_token, event: `task.${next.status}`, settle: settlementFor('running', next) });
      };

      it('the opening balance is a grant in the ledger', async () => {
        const entries = await store.listLedger(A.account.id, 10);
        expect(entries).toMatchObject([{ kind: 'grant', amount: 1_000_000, task_id: null }]);
        expect(await ledgerSum(A.account.id)).toBe(await balance(A.account.id));
      });

      it('holds each task at insert, in the same write, and the ledger balances', async () => {
        await insert([makeTask(A.account.id, { credits_reserved: 4 }), makeTask(A.account.id, { credits_reserved: 6 })]);
        expect(await balance(A.account.id)).toBe(1_000_000 - 10);
        const holds = (await store.listLedger(A.account.id, 10)).filter((e) => e.kind === 'hold');
        expect(holds.map((e) => e.amount).sort()).toEqual([-4, -6]);
        expect(await ledgerSum(A.account.id)).toBe(await balance(A.account.id));
        expect(await balance(B.account.id)).toBe(1_000_000);
      });

      it('an insert the account cannot cover writes nothing and says what was required and what there is', async () => {
        await store.adjustCredits(A.account.id, -999_995, 'topup', 'drain', T0);
        const big = makeTask(A.account.id, { credits_reserved: 3 });
        const err = await insert([makeTask(A.account.id, { credits_reserved: 3 }), big]).catch((e) => e);
        expect(err).toBeInstanceOf(InsufficientCredits);
        expect(err).toMatchObject({ required: 6, balance: 5 });
        expect(await store.getTask(big.id)).toBeNull();
        expect(await balance(A.account.id)).toBe(5);
        expect(await ledgerSum(A.account.id)).toBe(5);
      });

      it('concurrent inserts never overdraw: exactly as many as the balance covers land', async () => {
        await store.adjustCredits(A.account.id, -(1_000_000 - 20), 'topup', null, T0);
        const results = await Promise.allSettled(Array.from({ length: 10 }, () => insert([makeTask(A.account.id, { credits_reserved: 3 })])));
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(6);
        for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(InsufficientCredits);
        expect(await balance(A.account.id)).toBe(2);
        expect(await ledgerSum(A.account.id)).toBe(2);
        // the other account's concurrent inserts are unaffected
        await insert([makeTask(B.account.id, { credits_reserved: 3 })]);
      });

      it('success releases the hold and charges what was used; failure releases it all; a stale write moves nothing', async () => {
        const t1 = await insertOne(makeTask(A.account.id, { credits_reserved: 5 }));
        const done = await finish(t1, 'succeed', 2);
        expect(done).toMatchObject({ status: 'succeeded', credits_used: 2 });
        expect(await balance(A.account.id)).toBe(1_000_000 - 2);
        const t2 = await insertOne(makeTask(A.account.id, { credits_reserved: 7 }));
        await finish(t2, 'fail');
        expect(await balance(A.account.id)).toBe(1_000_000 - 2);
        const kinds = (await store.listLedger(A.account.id, 20)).filter((e) => e.task_id === t1.id).map((e) => [e.kind, e.amount]);
        expect(kinds.sort()).toEqual([['charge', -2], ['hold', -5], ['release', 5]]);
        // a replay of the same final write loses its compare-and-set and so moves no credits
        const again = transition({ ...done!, status: 'running' }, { type: 'succeed', result: { files: [] }, provider: 'p', creditsUsed: 2 }, T0 + 9);
        expect(await store.updateTask({ next: again, expectStatus: 'running', settle: { release: 5, charge: 2 } })).toBeNull();
        expect(await balance(A.account.id)).toBe(1_000_000 - 2);
        expect(await ledgerSum(A.account.id)).toBe(await balance(A.account.id));
      });

      it('top-ups count at once, never go below zero, and page newest first', async () => {
        expect(await store.adjustCredits(A.account.id, 50, 'topup', 'admin', T0 + 1)).toBe(1_000_050);
        await expect(store.adjustCredits(A.account.id, -2_000_000, 'topup', null, T0 + 2)).rejects.toBeInstanceOf(InsufficientCredits);
        expect(await store.adjustCredits(newId(), 5, 'topup', null, T0)).toBeNull();
        const page1 = await store.listLedger(A.account.id, 1);
        expect(page1).toMatchObject([{ kind: 'topup', amount: 50, note: 'admin' }]);
        const page2 = await store.listLedger(A.account.id, 5, page1[0]!.seq);
        expect(page2).toMatchObject([{ kind: 'grant' }]);
        expect(await store.listLedger(B.account.id, 5)).toHaveLength(1);
      });
    });

    describe('webhook outbox', () => {
      const message = (t: Task, over: Partial<NewDelivery> = {}): NewDelivery => ({
        id: `msg_${newToken()}`, account_id: t.account_id, task_id: t.id, event: 'task.cancelled', url: 'https://hooks.example/x',
        format: 'native', task: JSON.stringify(t), created_at: T0, retry_until: T0 + 60_000, ...over,
      });
      const cancel = async (t: Task, delivery: NewDelivery, expectStatus = t.status) =>
        store.updateTask({ next: transition(t, { type: 'cancel' }, T0 + 1), expectStatus, event: 'task.cancelled', delivery });

      it('stores a message only with the change it reports', async () => {
        const t = await insertOne(makeTask(A.account.id));
        const lost = message(t);
        expect(await cancel({ ...t, status: 'running' }, lost, 'running')).toBeNull();
        expect(await store.getDelivery(lost.id, A.account.id)).toBeNull();
        const kept = message(t);
        expect(await cancel(t, kept)).not.toBeNull();
        expect(await store.getDelivery(kept.id, A.account.id)).toMatchObject({ id: kept.id, status: 'pending', attempts: 0, next_attempt_at: T0, task: kept.task });
        expect(await store.getDelivery(kept.id, B.account.id)).toBeNull();
      });

      it('stores a message born claimed as attempt 1, due again only when its lease ends', async () => {
        const t = await insertOne(makeTask(A.account.id));
        const d = { ...message(t), claimed_until: T0 + 500 };
        expect(await cancel(t, d)).not.toBeNull();
        expect(await store.getDelivery(d.id, A.account.id)).toMatchObject({ status: 'pending', attempts: 1, next_attempt_at: T0 + 500 });
        expect(await store.claimDeliveries(T0 + 499, 10, T0 + 2000)).toEqual([]);
        // the storing process sends it as attempt 1 and records that
        expect(await store.finishDelivery({ id: d.id, attempt: 1, status: 'succeeded', next_attempt_at: T0 + 10, last_status: 200, last_error: null, at: T0 + 10 })).toBe(true);
        expect(await store.claimDeliveries(T0 + 501, 10, T0 + 2000)).toEqual([]);
        // had that process died instead, the message would be due again after the lease, as attempt 2
        const t2 = await insertOne(makeTask(A.account.id));
        const lost = { ...message(t2), claimed_until: T0 + 500 };
        await cancel(t2, lost);
        expect(await store.claimDeliveries(T0 + 501, 10, T0 + 2000)).toMatchObject([{ id: lost.id, attempts: 2 }]);
      });

      it('claims due messages once per lease, fences stale attempts, and retries after a lost lease', async () => {
        const t = await insertOne(makeTask(A.account.id));
        const d = message(t);
        await cancel(t, d);
        const [first] = await store.claimDeliveries(T0 + 10, 10, T0 + 1000);
        expect(first).toMatchObject({ id: d.id, attempts: 1 });
        expect(await store.claimDeliveries(T0 + 20, 10, T0 + 1000)).toEqual([]);
        expect(await store.nextDeliveryAt(T0 + 20)).toBe(T0 + 1000);
        // the attempt was lost (crash): due again after its lease, as attempt 2; attempt 1 can no longer finish it
        const [second] = await store.claimDeliveries(T0 + 1001, 10, T0 + 2000);
        expect(second).toMatchObject({ id: d.id, attempts: 2 });
        expect(await store.finishDelivery({ id: d.id, attempt: 1, status: 'succeeded', next_attempt_at: T0, last_status: 200, last_error: null, at: T0 + 1002 })).toBe(false);
        expect(await store.finishDelivery({ id: d.id, attempt: 2, status: 'pending', next_attempt_at: T0 + 5000, last_status: 500, last_error: 'HTTP 500', at: T0 + 1003 })).toBe(true);
        expect(await store.claimDeliveries(T0 + 4999, 10, T0 + 9000)).toEqual([]);
        const [third] = await store.claimDeliveries(T0 + 5000, 10, T0 + 9000);
        expect(await store.finishDelivery({ id: d.id, attempt: third!.attempts, status: 'succeeded', next_attempt_at: T0 + 5000, last_status: 204, last_error: null, at: T0 + 5001 })).toBe(true);
        expect(await store.getDelivery(d.id, A.account.id)).toMatchObject({ status: 'succeeded', attempts: 3, last_status: 204, delivered_at: T0 + 5001 });
        expect(await store.claimDeliveries(T0 + 99_000, 10, T0 + 100_000)).toEqual([]);
      });

      it('a claim stores the task.running message of each task whose webhook asks for it, with the claimed task', async () => {
        const hook = (events: string[]) => ({ url: 'https://hooks.example/run', events, format: 'modelhunter' as const });
        const asked = await insertOne({ ...makeTask(A.account.id), webhook: hook(['task.running', 'task.succeeded']) });
        const notAsked = await insertOne({ ...makeTask(A.account.id), webhook: hook(['task.succeeded']) });
        const bare = await insertOne(makeTask(A.account.id));
        const claimed = await store.claimTasks({ owner: 'w1', limit: 10, now: T0 + 5, leaseUntil: T0 + 1000, newToken: tok, webhookRetryUntil: T0 + 60_000 });
        expect(claimed.map((t) => t.id).sort()).toEqual([asked.id, notAsked.id, bare.id].sort());
        const stored = await store.listDeliveries({ accountId: A.account.id, limit: 10 });
        expect(stored).toHaveLength(1);
        const d = stored[0]!;
        expect(d).toMatchObject({
          task_id: asked.id, event: 'task.running', url: 'https://hooks.example/run', format: 'modelhunter', status: 'pending',
          attempts: 0, next_attempt_at: T0 + 5, retry_until: T0 + 60_000, created_at: T0 + 5,
        });
        expect(d.id).toMatch(/^msg_[0-9a-f]{32}$/);
        expect(JSON.parse(d.task)).toEqual(claimed.find((t) => t.id === asked.id));
        expect(await store.claimDeliveries(T0 + 5, 10, T0 + 100)).toMatchObject([{ id: d.id, attempts: 1 }]);
      });

      it('lists per account by status and task, and redelivers a dead message', async () => {
        const t = await insertOne(makeTask(A.account.id));
        const d = message(t);
        await cancel(t, d);
        const [c] = await store.claimDeliveries(T0, 10, T0 + 100);
        await store.finishDelivery({ id: d.id, attempt: c!.attempts, status: 'dead', next_attempt_at: T0, last_status: null, last_error: 'timeout', at: T0 + 1 });
        expect(await store.listDeliveries({ accountId: A.account.id, status: 'dead', limit: 10 })).toMatchObject([{ id: d.id, last_error: 'timeout' }]);
        expect(await store.listDeliveries({ accountId: A.account.id, status: 'pending', limit: 10 })).toEqual([]);
        expect(await store.listDeliveries({ accountId: A.account.id, taskId: t.id, limit: 10 })).toHaveLength(1);
        expect(await store.listDeliveries({ accountId: B.account.id, limit: 10 })).toEqual([]);
        expect(await store.redeliver(d.id, B.account.id, T0 + 2, T0 + 100)).toBeNull();
        expect(await store.redeliver(d.id, A.account.id, T0 + 2, T0 + 100)).toMatchObject({ status: 'pending', next_attempt_at: T0 + 2, retry_until: T0 + 100 });
        expect(await store.claimDeliveries(T0 + 3, 10, T0 + 50)).toMatchObject([{ id: d.id }]);
      });
    });

    describe('per-account concurrency', () => {
      it('claims no more of an account\'s tasks than its limit, and others\' tasks still run', async () => {
        expect(await store.setMaxRunning(A.account.id, 2)).toBe(true);
        await insert(Array.from({ length: 5 }, () => makeTask(A.account.id, { priority: 10 })));
        await insert([makeTask(B.account.id)]);
        const first = await claim('w', 10);
        expect(first.filter((t) => t.account_id === A.account.id)).toHaveLength(2);
        expect(first.filter((t) => t.account_id === B.account.id)).toHaveLength(1);
        expect(await claim('w', 10)).toEqual([]);
        const done = first.find((t) => t.account_id === A.account.id)!;
        await store.updateTask({ next: transition(done, { type: 'cancel' }, T0 + 3), expectStatus: 'running', event: 'task.cancelled' });
        expect((await claim('w', 10)).map((t) => t.account_id)).toEqual([A.account.id]);
      });

      it('a server-wide default applies to accounts without their own limit', async () => {
        await insert(Array.from({ length: 4 }, () => makeTask(A.account.id)));
        const got = await store.claimTasks({ owner: 'w', limit: 10, now: T0, leaseUntil: T0 + 30_000, newToken: tok, defaultMaxRunning: 3 });
        expect(got).toHaveLength(3);
        expect(await store.setMaxRunning(A.account.id, null)).toBe(true);
        expect(await store.claimTasks({ owner: 'w', limit: 10, now: T0, leaseUntil: T0 + 30_000, newToken: tok })).toHaveLength(1);
      });
    });

    describe('idempotency keys and webhook secrets', () => {
      it('finds tasks by several keys, within the account only', async () => {
        const [x, y] = await insert([
          makeTask(A.account.id, { idempotency_key: 'k #0', request_hash: 'h' }),
          makeTask(A.account.id, { idempotency_key: 'k #1', request_hash: 'h' }),
        ]);
        const found = await store.findByIdempotencyKeys(A.account.id, ['k #0', 'k #1', 'k #2']);
        expect(found.map((t) => t.id).sort()).toEqual([x!.id, y!.id].sort());
        expect(found[0]!.request_hash).toBe('h');
        expect(await store.findByIdempotencyKeys(B.account.id, ['k #0'])).toEqual([]);
      });

      it('rotates a webhook secret and keeps the previous one', async () => {
        expect(await store.getWebhookSecrets(A.account.id)).toEqual({ current: A.webhookSecret, previous: null, rotated_at: null });
        expect(await store.rotateWebhookSecret(A.account.id, 'whsec_new', T0 + 5)).toEqual({ current: 'whsec_new', previous: A.webhookSecret, rotated_at: T0 + 5 });
        expect(await store.getWebhookSecret(A.account.id)).toBe('whsec_new');
        expect(await store.rotateWebhookSecret(newId(), 'whsec_x', T0)).toBeNull();
      });
    });
  });
}
