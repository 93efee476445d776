/**
 * The connection pool and what its errors mean. bigint columns (epoch-millisecond times, run
 * ids, counts) come back as JS numbers: every value genq keeps in them is far below 2^53.
 * A lost or refused connection becomes the core's UNAVAILABLE error (HTTP 503 + Retry-After),
 * so callers never see a driver error; data errors keep their SQLSTATE for the store to map.
 */
import pg from 'pg';
import { GenqError, invalidRequest } from '../../core/errors.js';

export interface PgLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const INT8 = 20;
const parseInt8 = (v: string): number => Number(v);

/** per-pool type parsers, so genq never changes the driver's global defaults for other code */
export const pgTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

export interface PoolOptions {
  max?: number;
  applicationName?: string;
}

export function connectionConfig(url: string, o: PoolOptions = {}): pg.ClientConfig {
  return {
    connectionString: url,
    types: pgTypes,
    keepAlive: true,
    connectionTimeoutMillis: 5000,
    application_name: o.applicationName ?? 'genq',
  };
}

export function createPool(url: string, log: PgLogger, o: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({ ...connectionConfig(url, o), max: o.max ?? 10, idleTimeoutMillis: 30_000 });
  // an idle connection killed by a server restart must not crash the process; the next query reconnects
  pool.on('error', (err) => log.warn({ err: err.message }, 'postgres: idle connection lost'));
  return pool;
}

/** the URL with its password hidden, for messages */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN',
  '57P01', // admin_shutdown: the server is stopping
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up or shutting down
  '53300', // too_many_connections
]);

/** true when the error says the database could not be reached, not that a statement was wrong */
export function isConnectionError(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: string }).code;
  if (code && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return true;
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed|not queryable/i.test(
    e.message,
  );
}

/** deadlock_detected, serialization_failure: the statement was rolled back whole and may simply run again */
export const isTransientConflict = (e: unknown) => ['40P01', '40001'].includes((e as { code?: string })?.code ?? '');

/** Runs an atomic write again (up to 5 times, with a short random pause) when PostgreSQL aborted it as one side of a deadlock. */
export async function retryTransient<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (e) {
      if (!isTransientConflict(e) || attempt >= 5) throw e;
      await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
    }
  }
}

/** Maps a driver error to what the core understands; anything else is re-thrown unchanged. */
export function mapPgError(e: unknown): unknown {
  if (e instanceof GenqError) return e;
  if (isConnectionError(e)) {
    return new GenqError('UNAVAILABLE', 'The database is unreachable right now; try again shortly', {
      status: 503, type: 'unavailable', retryable: true, cause: e,
    });
  }
  const code = (e as { code?: string })?.code;
  // a NUL character or broken UTF-8 in a text field: bad input, not a server fault
  if (code === '22021' || code === '22P05') return invalidRequest('Text fields must be valid UTF-8 without NUL characters');
  return e;
}
