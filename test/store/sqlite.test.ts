/** The Store conformance suite against SqliteStore (a fresh WAL file per test), plus SQLite-only durability checks. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import DatabaseCtor from 'better-sqlite3';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { MIGRATIONS } from '../../src/store/sqlite/migrations/index.js';
import { newId } from '../../src/core/ids.js';
import { makeTask, runStoreConformance, T0 } from './conformance.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'genq-sqlite-test-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

let n = 0;
const freshFile = (): string => path.join(root, `db-${++n}`, 'genq.db');

runStoreConformance('sqlite', async () => {
  const store = new SqliteStore(freshFile());
  await store.migrate();
  return store;
});

describe('SqliteStore (SQLite-only)', () => {
  it('uses WAL mode (durability comes from GroupCommit fsyncing the WAL)', async () => {
    const file = freshFile();
    const store = new SqliteStore(file);
    await store.migrate();
    await store.close();
    const db = new DatabaseCtor(file, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
  });

  it('tasks written before close are present after reopening', async () => {
    const file = freshFile();
    const account = newId();
    const first = new SqliteStore(file);
    await first.migrate();
    // fire the writes without awaiting each, then close: close must let them land
    const pending = Array.from({ length: 50 }, () => first.insertTasks([makeTask(account, { credits_reserved: 0 })], 'task.queued'));
    const written = (await Promise.all(pending)).flat();
    const late = first.insertTasks([makeTask(account, { credits_reserved: 0 }), makeTask(account, { credits_reserved: 0 })], 'task.queued');
    await first.close();
    const lateTasks = await late;

    const second = new SqliteStore(file);
    await second.migrate();
    try {
      for (const t of [...written, ...lateTasks]) expect(await second.getTask(t.id)).toEqual(t);
      expect(await second.listTasks({ accountId: account, limit: 1000 })).toHaveLength(52);
      for (const t of written.slice(0, 5)) expect(await second.listEvents(t.id, 0)).toHaveLength(1);
    } finally {
      await second.close();
    }
  });

  it('keeps schema_migrations across reopen and does not re-run migrations', async () => {
    const file = freshFile();
    const first = new SqliteStore(file);
    await first.migrate();
    await first.close();

    const second = new SqliteStore(file);
    await second.migrate(); // would throw "table already exists" if migration 1 ran again
    await second.close();

    const db = new DatabaseCtor(file, { readonly: true });
    try {
      const rows = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
      expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
    } finally {
      db.close();
    }
  });
});

describe('SqliteStore change feed (two processes on one file)', () => {
  it("reports another handle's writes in order, and not its own", async () => {
    const file = freshFile();
    const a = new SqliteStore(file);
    await a.migrate();
    const b = new SqliteStore(file);
    await b.migrate();
    const seen: Array<{ id: string; status: string; type: string }> = [];
    let wakes = 0;
    const off = a.subscribeChanges((c) => {
      if (c === 'resync') return;
      if (c.wake) wakes += 1;
      seen.push(...c.changes);
    });
    try {
      const account = newId();
      await a.insertTasks([makeTask(account, { credits_reserved: 0 })], 'task.queued'); // own write: not news
      const [t] = await b.insertTasks([makeTask(account, { credits_reserved: 0 })], 'task.queued');
      const [claimed] = await b.claimTasks({ owner: 'w', limit: 1, now: T0 + 1000, leaseUntil: T0 + 60_000, newToken: () => 'tok' });
      expect(claimed!.id).not.toBe(t!.id); // FIFO: a's task is first
      const deadline = Date.now() + 3000;
      while (seen.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(seen.map((c) => [c.status, c.type])).toEqual([
        ['queued', 'task.queued'],
        ['running', 'task.running'],
      ]);
      expect(seen[0]!.id).toBe(t!.id);
      expect(wakes).toBe(1);
    } finally {
      off();
      await a.close();
      await b.close();
    }
  });
});
