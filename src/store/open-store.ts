import { ConfigError } from '../config.js';
import { isGenqError } from '../core/errors.js';
import type { Store } from './store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import { PgStore } from './postgres/pg-store.js';
import { redactUrl, type PgLogger } from './postgres/connection.js';

export interface OpenStoreOptions {
  log?: PgLogger;
  /** PostgreSQL: connections per process */
  poolMax?: number;
}

/** `postgres://…` selects PostgreSQL; anything else is a SQLite file path. */
export async function openStore(database: string, opts: OpenStoreOptions = {}): Promise<Store> {
  if (/^postgres(ql)?:\/\//.test(database)) {
    const store = new PgStore(database, opts);
    try {
      await store.migrate();
    } catch (e) {
      await store.close().catch(() => {});
      if (isGenqError(e) && e.code === 'UNAVAILABLE') {
        const why = (e.cause as { code?: string; message?: string } | undefined);
        throw new ConfigError(
          `Cannot connect to PostgreSQL at ${redactUrl(database)} (${why?.code ?? why?.message ?? 'unreachable'}). ` +
            'Is it running, and is --database / GENQ_DATABASE right?',
        );
      }
      const err = e as { code?: string; message?: string };
      throw new ConfigError(`PostgreSQL at ${redactUrl(database)} refused genq's schema setup: ${err.code ? `${err.code} ` : ''}${err.message ?? e}`);
    }
    return store;
  }
  const store = new SqliteStore(database);
  await store.migrate();
  return store;
}
