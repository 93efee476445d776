/**
 * The Store conformance suite against PgStore on a real PostgreSQL (a fresh database for this
 * file, a fresh schema per test), plus what only PostgreSQL does: migrations racing from many
 * processes, wake-ups through LISTEN/NOTIFY, group-committed inserts, claims from several
 * pools at once, and losing the connection.
 */
import net from 'node:net';
import { afterAll, expect, it } from 'vitest';
import { PgStore } from '../../src/store/postgres/pg-store.js';
import { openStore } from '../../src/store/open-store.js';
import { ConfigError } from '../../src/config.js';
import { GenqError } from '../../src/core/errors.js';
import { newId, newToken } from '../../src/core/ids.js';
import { transition } from '../../src/core/state-machine.js';
import type { RemoteChanges } from '../../src/store/store.js';
import { makeTask, runStoreConformance, T0 } from './conformance.js';
import { admin, describePostgres, type TestDatabase } from '../helpers/postgres.js';

let schemas = 0;

function schemaUrl(db: TestDatabase, schema: string): string {
  const url = new URL(db.url);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

async function createSchema(db: TestDatabase, schema: string): Promise<void> {
  await admin(async (c) => c.query(`CREATE SCHEMA ${schema}`), db.url);
}

/** a migrated store on a schema of its own inside this file's database */
async function freshStore(db: TestDatabase, schema = `s_${++schemas}`): Promise<PgStore> {
  await createSchema(db, schema);
  const store = new PgStore(schemaUrl(db, schema));
  await store.migrate();
  return store;
}

/**
 * Migrating costs ~0.3 s (PostgreSQL fsyncs every new table and index file at commit), so the
 * conformance suite's one-store-per-test is served from a few schemas migrated ahead in parallel.
 */
const ahead: Array<Promise<PgStore>> = [];
function nextStore(db: TestDatabase): Promise<PgStore> {
  while (ahead.length < 4) {
    const p = freshStore(db);
    p.catch(() => {});
    ahead.push(p);
  }
  return ahead.shift()!;
}

const waitFor = async <T>(fn: () => T | undefined, ms = 5000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

await describePostgres('PostgreSQL store', (db) => {
  runStoreConformance('postgres', () => nextStore(db()));
  afterAll(async () => {
    for (const p of ahead.splice(0)) await p.then((s) => s.close(), () => {});
  });

  it('runs migrations once when many processes start at the same moment', async () => {
    const schema = `race_${++schemas}`;
    await createSchema(db(), schema);
    const stores = Array.from({ length: 8 }, () => new PgStore(schemaUrl(db(), schema)));
    try {
      await Promise.all(stores.map((s) => s.migrate()));
      const rows = await admin(async (c) => {
        await c.query(`SET search_path = ${schema}`);
        return c.query('SELECT version, name FROM schema_migrations');
      }, db().url);
      expect(rows.rows).toEqual([{ version: 1, name: 'init' }, { version: 2, name: 'credits-webhooks' }]);
      // and every one of them can work on the result
      await Promise.all(stores.map((s) => s.insertTasks([makeTask(newId(), { credits_reserved: 0 })], 'task.queued')));
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('wakes another process after a create and tells it about transitions, without a NOTIFY per insert', async () => {
    const schema = `notify_${++schemas}`;
    const a = await freshStore(db(), schema);
    const b = new PgStore(schemaUrl(db(), schema));
    await b.migrate();
    const seen: RemoteChanges[] = [];
    const unsubscribe = b.subscribeChanges((c) => seen.push(c));
    try {
      await waitFor(() => ((b as unknown as { listener: { listening: boolean } }).listener.listening ? true : undefined));
      // a's own changes are not echoed back to a
      const own: RemoteChanges[] = [];
      a.subscribeChanges((c) => own.push(c));
      const account = newId();
      const started = performance.now();
      const created = await Promise.all(Array.from({ length: 50 }, () => a.insertTasks([makeTask(account)], 'task.queued')));
      await waitFor(() => (seen.some((c) => c !== 'resync' && c.wake) ? true : undefined));
      const wakeMs = performance.now() - started;
      expect(wakeMs).toBeLessThan(1000);
      // creations travel as wake-ups only: nobody can wait on an id not yet returned
      expect(seen.flatMap((c) => (c === 'resync' ? [] : c.changes))).toEqual([]);

      const [claimed] = await a.claimTasks({ owner: 'w', limit: 1, now: T0, leaseUntil: T0 + 1000, newToken });
      const done = transition(claimed!, { type: 'succeed', result: { files: [] }, provider: 'p', creditsUsed: 1 }, T0 + 5);
      await a.updateTask({ next: done, expectStatus: 'running', expectLeaseToken: claimed!.lease_token, event: 'task.succeeded' });
      const changes = await waitFor(() => {
        const all = seen.flatMap((c) => (c === 'resync' ? [] : c.changes));
        return all.some((c) => c.status === 'succeeded') ? all : undefined;
      });
      expect(changes).toEqual([
        { id: claimed!.id, status: 'running', type: 'task.running' },
        { id: claimed!.id, status: 'succeeded', type: 'task.succeeded' },
      ]);
      expect(created.flat()).toHaveLength(50);
      await new Promise((r) => setTimeout(r, 50));
      expect(own).toEqual([]);
    } finally {
      unsubscribe();
      await a.close();
      await b.close();
    }
  });

  it('batches concurrent creates, and one bad create in a batch fails alone', async () => {
    const store = await freshStore(db());
    try {
      const account = newId();
      await store.insertTasks([makeTask(account, { idempotency_key: 'taken' })], 'task.queued');
      const calls = Array.from({ length: 300 }, (_, i) =>
        store.insertTasks(i === 150 ? [makeTask(account, { idempotency_key: 'taken' })] : [makeTask(account)], 'task.queued'),
      );
      const multi = store.insertTasks([makeTask(account), makeTask(account, { idempotency_key: 'taken' })], 'task.queued');
      const results = await Promise.allSettled([...calls, multi]);
      expect(results.filter((r) => r.status === 'rejected')).toHaveLength(2);
      expect(String((results[150] as PromiseRejectedResult).reason)).toMatch(/unique/);
      expect(String((results[300] as PromiseRejectedResult).reason)).toMatch(/unique/);
      const listed = await store.listTasks({ accountId: account, limit: 1000 });
      expect(listed).toHaveLength(300);
      const runIds = listed.map((t) => t.run_id);
      expect(new Set(runIds).size).toBe(300);
    } finally {
      await store.close();
    }
  });

  it('several processes claiming at once never share a task', async () => {
    const schema = `claims_${++schemas}`;
    const first = await freshStore(db(), schema);
    const others = Array.from({ length: 3 }, () => new PgStore(schemaUrl(db(), schema)));
    const all = [first, ...others];
    try {
      const account = newId();
      await first.insertTasks(Array.from({ length: 400 }, () => makeTask(account)), 'task.queued');
      const got = await Promise.all(all.flatMap((s, i) => Array.from({ length: 5 }, async (_, j) => {
        const mine = [];
        for (;;) {
          const batch = await s.claimTasks({ owner: `w${i}-${j}`, limit: 7, now: T0, leaseUntil: T0 + 60_000, newToken });
          if (batch.length === 0) return mine;
          mine.push(...batch);
        }
      })));
      const ids = got.flat().map((t) => t.id);
      expect(ids).toHaveLength(400);
      expect(new Set(ids).size).toBe(400);
    } finally {
      await Promise.all(all.map((s) => s.close()));
    }
  });

  it('reports an unreachable server as UNAVAILABLE, and a clear error at start-up', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    const url = `postgres://postgres@127.0.0.1:${port}/nowhere`;
    const store = new PgStore(url);
    await expect(store.ping()).rejects.toMatchObject({ code: 'UNAVAILABLE', status: 503 });
    await expect(store.getTask(newId())).rejects.toBeInstanceOf(GenqError);
    await store.close();
    const err = await openStore(url).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/Cannot connect to PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:\d+\/nowhere \(ECONNREFUSED\)/);
  });

  it('survives its connections being killed: UNAVAILABLE or a retry, then back by itself, listener resynchronised', async () => {
    const schema = `kill_${++schemas}`;
    const store = await freshStore(db(), schema);
    const seen: RemoteChanges[] = [];
    store.subscribeChanges((c) => seen.push(c));
    try {
      await waitFor(() => ((store as unknown as { listener: { listening: boolean } }).listener.listening ? true : undefined));
      await store.ping();
      await admin((c) => c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [db().name]));
      // the pooled connection was killed under us: either mapped to UNAVAILABLE, or already replaced
      const first = await store.ping().then(() => 'ok', (e) => (e as GenqError).code);
      expect(['ok', 'UNAVAILABLE']).toContain(first);
      await store.ping();
      await waitFor(() => (seen.includes('resync') ? true : undefined), 10_000);
      const account = newId();
      await store.insertTasks([makeTask(account)], 'task.queued');
      expect(await store.listTasks({ accountId: account, limit: 10 })).toHaveLength(1);
    } finally {
      await store.close();
    }
  });
});
