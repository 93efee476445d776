/** GroupCommit: concurrent writes share one transaction (one fsync); a failing write rolls back alone. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import DatabaseCtor from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { GroupCommit } from '../../src/store/sqlite/group-commit.js';

let dir: string;
let db: Database;
/** number of outermost transactions run (each one a COMMIT, i.e. one WAL fsync) */
let commits: number;

/** wraps db.transaction so every top-level (not nested = not a savepoint) call is counted */
function countTransactions(d: Database): void {
  const original = d.transaction.bind(d);
  d.transaction = ((fn: (...args: unknown[]) => unknown) => {
    const tx = original(fn);
    const count = (run: (...args: unknown[]) => unknown) => (...args: unknown[]) => {
      if (!d.inTransaction) commits++;
      return run(...args);
    };
    return Object.assign(count(tx), { deferred: count(tx.deferred), immediate: count(tx.immediate), exclusive: count(tx.exclusive), default: count(tx.default) });
  }) as Database['transaction'];
}

const wal = (): string => path.join(dir, 'gc.db-wal');
const count = (): number => (db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n;
const insert = (v: string) => () => Number(db.prepare('INSERT INTO t (v) VALUES (?)').run(v).lastInsertRowid);

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genq-gc-'));
  db = new DatabaseCtor(path.join(dir, 'gc.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE);
           CREATE TABLE parent (id INTEGER PRIMARY KEY);
           CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);`);
  commits = 0;
  countTransactions(db);
});

afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('GroupCommit', () => {
  it('runs writes issued in the same tick in one transaction, each getting its own result', async () => {
    const gc = new GroupCommit(db, wal());
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => gc.write(insert(`v${i}`))));
    expect(commits).toBe(1);
    expect(results).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(count()).toBe(200);
    expect(gc.pending).toBe(0);
  });

  it('writes that arrive while a batch waits join it; later ticks get their own batch', async () => {
    const gc = new GroupCommit(db, wal());
    const a = gc.write(insert('a'));
    await Promise.resolve(); // microtasks run before the scheduled flush
    const b = gc.write(insert('b'));
    await Promise.all([a, b]);
    expect(commits).toBe(1);
    await gc.write(insert('c'));
    await gc.write(insert('d'));
    expect(commits).toBe(3);
  });

  it('splits a burst into batches of at most maxBatch', async () => {
    const gc = new GroupCommit(db, wal(), 10);
    await Promise.all(Array.from({ length: 95 }, (_, i) => gc.write(insert(`v${i}`))));
    expect(commits).toBe(10);
    expect(count()).toBe(95);
  });

  it('a failing write rejects alone and its partial work is rolled back; the others in the batch commit', async () => {
    const gc = new GroupCommit(db, wal());
    const ok1 = gc.write(insert('one'));
    const bad = gc.write(() => {
      db.prepare('INSERT INTO t (v) VALUES (?)').run('half-done');
      throw new Error('provider of this write blew up');
    });
    const dup = gc.write(insert('one')); // UNIQUE violation
    const ok2 = gc.write(insert('two'));
    const settled = await Promise.allSettled([ok1, bad, dup, ok2]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(String((settled[1] as PromiseRejectedResult).reason)).toContain('blew up');
    expect(String((settled[2] as PromiseRejectedResult).reason)).toMatch(/UNIQUE/);
    expect(commits).toBe(1);
    const values = (db.prepare('SELECT v FROM t ORDER BY id').all() as { v: string }[]).map((r) => r.v);
    expect(values).toEqual(['one', 'two']);
  });

  it('when the commit itself fails, every write of the batch rejects and nothing is kept; the next batch works', async () => {
    const gc = new GroupCommit(db, wal());
    const a = gc.write(insert('a'));
    // a deferred foreign key is only checked at COMMIT, so this makes the whole batch's commit fail
    const orphan = gc.write(() => db.prepare('INSERT INTO child (parent_id) VALUES (42)').run().changes);
    const b = gc.write(insert('b'));
    const settled = await Promise.allSettled([a, orphan, b]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(String((settled[0] as PromiseRejectedResult).reason)).toMatch(/FOREIGN KEY/);
    expect(db.inTransaction).toBe(false);
    expect(count()).toBe(0);
    expect(await gc.write(insert('after'))).toBeGreaterThan(0);
    expect(count()).toBe(1);
  });

  it('holds the write lock from the start: another process cannot commit between a write\'s read and its insert', async () => {
    const gc = new GroupCommit(db, wal());
    // a second connection stands for another process (the CLI, a second genq role); it gives up at once when locked
    const other = new DatabaseCtor(path.join(dir, 'gc.db'));
    other.pragma('busy_timeout = 0');
    let otherError: unknown = null;
    try {
      const id = await gc.write(() => {
        count();
        try {
          other.prepare("INSERT INTO t (v) VALUES ('other')").run();
        } catch (e) {
          otherError = e;
        }
        // with a deferred transaction this write would fail with SQLITE_BUSY_SNAPSHOT: the other
        // connection committed after this transaction's read snapshot was taken
        return insert('ours')();
      });
      expect(id).toBeGreaterThan(0);
      expect(String(otherError)).toMatch(/locked|busy/i);
      expect(count()).toBe(1);
    } finally {
      other.close();
    }
  });

  it('every resolved write is visible to a second connection (it was committed)', async () => {
    const gc = new GroupCommit(db, wal());
    const other = new DatabaseCtor(path.join(dir, 'gc.db'), { readonly: true });
    try {
      await Promise.all(Array.from({ length: 20 }, (_, i) => gc.write(insert(`x${i}`))));
      expect((other.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n).toBe(20);
    } finally {
      other.close();
    }
  });

  it('durable writes resolve only after one shared WAL fsync; non-durable ones do not wait for it', async () => {
    const gc = new GroupCommit(db, wal());
    await gc.write(insert('warm-up')); // creates the WAL file
    const real = fs.fdatasync;
    let release: () => void = () => {};
    const calls: number[] = [];
    const spy = vi.spyOn(fs, 'fdatasync').mockImplementation(((fd: number, cb: (e: NodeJS.ErrnoException | null) => void) => {
      calls.push(fd);
      release = () => real(fd, cb);
    }) as typeof fs.fdatasync);
    try {
      let durableDone = 0;
      const durable = Array.from({ length: 50 }, (_, i) => gc.write(insert(`d${i}`)).then(() => durableDone++));
      const fast = await gc.write(insert('fast'), { durable: false });
      expect(fast).toBeGreaterThan(0);
      expect(calls).toHaveLength(1); // one fsync for the whole batch, started after its commit
      expect(durableDone).toBe(0); // committed (visible) but not acknowledged before the fsync
      expect(count()).toBe(52);
      release();
      await Promise.all(durable);
      expect(durableDone).toBe(50);
      expect(calls).toHaveLength(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('rejects durable writes when the fsync fails', async () => {
    const gc = new GroupCommit(db, wal());
    await gc.write(insert('warm-up'));
    const spy = vi.spyOn(fs, 'fdatasync').mockImplementation(((_fd: number, cb: (e: NodeJS.ErrnoException | null) => void) => {
      cb(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }));
    }) as typeof fs.fdatasync);
    try {
      await expect(gc.write(insert('x'))).rejects.toThrow(/EIO/);
    } finally {
      spy.mockRestore();
    }
  });
});
