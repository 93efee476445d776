/**
 * Numbered migrations, safe when many processes start at once: the whole run is one
 * transaction holding a transaction-scoped advisory lock, so the first process applies what
 * is missing while the others wait on the lock, then find everything applied and do nothing.
 * A migration that fails rolls back entirely (PostgreSQL DDL is transactional).
 */
import type pg from 'pg';
import { MIGRATIONS } from './migrations/index.js';

/** advisory lock key: "genq" in ASCII, then 1 for "migrations" */
const LOCK = [0x67656e71, 1] as const;

export async function migrate(pool: pg.Pool): Promise<number[]> {
  const client = await pool.connect();
  let failed: unknown = null;
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK[0], LOCK[1]]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)',
    );
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const have = new Set(rows.map((r) => r.version));
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (have.has(m.version)) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, Date.now()]);
      applied.push(m.version);
    }
    await client.query('COMMIT');
    return applied;
  } catch (e) {
    failed = e;
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    client.release(failed instanceof Error ? failed : undefined);
  }
}
