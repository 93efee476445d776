import { ConfigError } from '../config.js';
import type { Store } from './store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';

/** `postgres://…` selects PostgreSQL; anything else is a SQLite file path. */
export async function openStore(database: string): Promise<Store> {
  if (/^postgres(ql)?:\/\//.test(database)) {
    throw new ConfigError('PostgreSQL support is not built yet; use a SQLite file path for --database');
  }
  const store = new SqliteStore(database);
  await store.migrate();
  return store;
}
