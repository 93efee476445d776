/**
 * PostgreSQL for tests: every test file gets its own fresh database (genq_test_<random>),
 * dropped when the file ends. Where PostgreSQL is not running, PostgreSQL tests are skipped
 * with the reason printed — except under CI=true, where a missing PostgreSQL fails the run.
 *
 * The server is GENQ_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/test: the
 * trust-auth server of the dev machines and CI).
 */
import crypto from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, it } from 'vitest';

export const PG_ADMIN_URL = process.env.GENQ_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** null when PostgreSQL answers, else why not */
export async function probePostgres(): Promise<string | null> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return null;
  } catch (e) {
    return `PostgreSQL is not reachable at ${PG_ADMIN_URL} (${(e as { code?: string }).code ?? (e as Error).message})`;
  } finally {
    await c.end().catch(() => {});
  }
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** runs `fn` on a short-lived superuser connection (to the admin database unless `url` names another) */
export async function admin<T>(fn: (c: pg.Client) => Promise<T>, url = PG_ADMIN_URL): Promise<T> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => {});
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export async function createDatabase(): Promise<TestDatabase> {
  const name = `genq_test_${crypto.randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  return {
    name,
    url: withDatabase(PG_ADMIN_URL, name),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}),
  };
}

/**
 * Declares a suite that needs PostgreSQL. `body` gets a getter for this file's fresh database
 * (created before the first test, dropped after the last). Without PostgreSQL the suite is
 * skipped with the reason in its name, or fails under CI=true.
 */
export async function describePostgres(name: string, body: (db: () => TestDatabase) => void): Promise<void> {
  const missing = await probePostgres();
  if (missing) {
    if (process.env.CI === 'true') {
      describe(name, () => {
        it('needs PostgreSQL (CI=true: a missing PostgreSQL fails the run)', () => {
          throw new Error(`${missing}. Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`);
        });
      });
    } else {
      console.warn(`SKIPPED: ${name}: ${missing}`);
      describe.skip(`${name} — SKIPPED: ${missing}`, () => {
        it('needs PostgreSQL', () => {});
      });
    }
    return;
  }
  let db: TestDatabase | null = null;
  const database = await createDatabase();
  db = database;
  afterAll(async () => {
    await db?.drop();
  });
  describe(name, () => body(() => database));
}
