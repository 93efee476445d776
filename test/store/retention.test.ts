/**
 * The store methods scale-out added — worker presence, retention's find/delete — and the
 * Retention runner itself, on both stores (SQLite in a temp file, PostgreSQL in a fresh
 * database when one is running). Proposed for the shared conformance suite.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Store, WorkerRecord } from '../../src/store/store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { PgStore } from '../../src/store/postgres/pg-store.js';
import { LocalStorage } from '../../src/storage/local-storage.js';
import { Retention } from '../../src/store/retention.js';
import { newId, newToken } from '../../src/core/ids.js';
import { transition } from '../../src/core/state-machine.js';
import { makeTask, T0 } from './conformance.js';
import { admin, probePostgres, createDatabase, type TestDatabase } from '../helpers/postgres.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'genq-retention-test-'));
let pgdb: TestDatabase | null = null;
const pgMissing = await probePostgres();
if (!pgMissing) pgdb = await createDatabase();
afterAll(async () => {
  fs.rmSync(root, { recursive: true, force: true });
  await pgdb?.drop();
});

const silent = { info() {}, warn() {}, error() {}, debug() {} };
let n = 0;

const backends: Array<[string, () => Promise<Store>]> = [
  ['sqlite', async () => {
    const s = new SqliteStore(path.join(root, `db-${++n}`, 'genq.db'));
    await s.migrate();
    return s;
  }],
];
if (pgdb) {
  const db = pgdb;
  backends.push(['postgres', async () => {
    const schema = `r_${++n}`;
    await admin((c) => c.query(`CREATE SCHEMA ${schema}`), db.url);
    const url = new URL(db.url);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const s = new PgStore(url.toString());
    await s.migrate();
    return s;
  }]);
} else if (process.env.CI === 'true') {
  it('needs PostgreSQL (CI=true)', () => {
    throw new Error(pgMissing!);
  });
} else {
  console.warn(`SKIPPED: retention tests on PostgreSQL: ${pgMissing}`);
}

const worker = (over: Partial<WorkerRecord> = {}): WorkerRecord => ({
  id: `worker-${newId()}`, host: 'h1', pid: 42, started_at: T0, last_seen: T0, alive_until: T0 + 3000,
  running: 0, concurrency: 8, models: ['noop', 'espeak-ng'], ...over,
});

for (const [name, open] of backends) {
  describe(`scale-out store methods: ${name}`, () => {
    it('records, refreshes, lists and removes workers; forgets long-gone ones', async () => {
      const store = await open();
      try {
        const a = worker({ host: 'a' });
        const b = worker({ host: 'b', started_at: T0 + 1 });
        await store.recordWorker(a);
        await store.recordWorker(b);
        expect(await store.listWorkers(T0)).toEqual([a, b]);
        await store.recordWorker({ ...a, last_seen: T0 + 2000, alive_until: T0 + 5000, running: 3 });
        expect(await store.listWorkers(T0 + 4000)).toEqual([{ ...a, last_seen: T0 + 2000, alive_until: T0 + 5000, running: 3 }]);
        await store.removeWorker(a.id);
        expect(await store.listWorkers(T0)).toEqual([b]);
        // a report from a live worker an hour later prunes the long-dead row of b
        const c = worker({ last_seen: T0 + 3_700_000, alive_until: T0 + 3_703_000 });
        await store.recordWorker(c);
        expect(await store.listWorkers(0)).toEqual([c]);
      } finally {
        await store.close();
      }
    });

    it('finds finished tasks oldest first and deletes only terminal ones, with their events', async () => {
      const store = await open();
      try {
        const acct = newId();
        const [old, newer, queued] = await store.insertTasks([
          makeTask(acct, { credits_reserved: 0,  status: 'succeeded', completed_at: T0 + 10 }),
          makeTask(acct, { credits_reserved: 0,  status: 'failed', completed_at: T0 + 20 }),
          makeTask(acct, { credits_reserved: 0 }),
        ], 'task.created');
        await store.insertTasks([makeTask(acct, { credits_reserved: 0,  status: 'cancelled', completed_at: T0 + 500 })], 'task.created');
        expect((await store.findFinishedBefore(T0 + 100, 10)).map((t) => t.id)).toEqual([old!.id, newer!.id]);
        expect((await store.findFinishedBefore(T0 + 100, 1)).map((t) => t.id)).toEqual([old!.id]);
        expect(await store.deleteTasks([old!.id, queued!.id, newId()])).toBe(1);
        expect(await store.getTask(old!.id)).toBeNull();
        expect(await store.listEvents(old!.id, 0)).toEqual([]);
        expect(await store.getTask(queued!.id)).not.toBeNull();
        expect(await store.deleteTasks([])).toBe(0);
      } finally {
        await store.close();
      }
    });

    it('Retention deletes due tasks and their files in batches, and nothing else', async () => {
      const store = await open();
      const files = new LocalStorage(fs.mkdtempSync(path.join(root, 'files-')));
      try {
        const acct = newId();
        const now = Date.now();
        const due = await store.insertTasks(Array.from({ length: 7 }, (_, i) => makeTask(acct, { credits_reserved: 0,  status: 'succeeded', completed_at: now - 10_000 - i })), 'task.succeeded');
        const [fresh] = await store.insertTasks([makeTask(acct, { credits_reserved: 0,  status: 'succeeded', completed_at: now })], 'task.succeeded');
        const [running] = await store.insertTasks([makeTask(acct, { credits_reserved: 0,  expires_at: null })], 'task.queued');
        const [claimed] = await store.claimTasks({ owner: 'w', limit: 1, now, leaseUntil: now + 60_000, newToken });
        expect(claimed!.id).toBe(running!.id);
        for (const t of [...due, fresh!, running!]) await files.put(`${acct}/${t.id}/out.txt`, new Uint8Array([1, 2, 3]), 'text/plain');

        const retention = new Retention(store, files, silent, { retentionS: 5, batch: 3 });
        expect(await retention.runOnce(now)).toBe(7);
        for (const t of due) {
          expect(await store.getTask(t.id)).toBeNull();
          expect(await files.size(`${acct}/${t.id}/out.txt`)).toBeNull();
        }
        expect(await store.getTask(fresh!.id)).not.toBeNull();
        expect(await files.size(`${acct}/${fresh!.id}/out.txt`)).toBe(3);
        expect(await files.size(`${acct}/${running!.id}/out.txt`)).toBe(3);
        // the running one finishes; once it is old enough it goes too
        const done = await store.updateTask({
          next: transition(claimed!, { type: 'succeed', result: { files: [] }, provider: 'p', creditsUsed: 1 }, now),
          expectStatus: 'running', expectLeaseToken: claimed!.lease_token, event: 'task.succeeded',
        });
        expect(done?.status).toBe('succeeded');
        expect(await retention.runOnce(now + 5_001)).toBe(2);
        expect(await retention.runOnce(now + 5_001)).toBe(0);
      } finally {
        await store.close();
      }
    });
  });
}
