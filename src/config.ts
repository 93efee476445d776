/**
 * Configuration, resolved once: flags win over GENQ_* environment variables, which win over
 * the embedded defaults. Nothing else in genq reads process.env.
 */
import path from 'node:path';

export type Role = 'all' | 'api' | 'worker';

export interface Config {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** sqlite file path or postgres:// URL */
  readonly database: string;
  readonly role: Role;
  readonly allowPrivateUrls: boolean;
  readonly logLevel: string;
  /** worker: tasks run at once by this process */
  readonly concurrency: number;
  readonly leaseMs: number;
  readonly heartbeatMs: number;
  /** how long a never-started task may wait in the queue */
  readonly queueTtlS: number;
  readonly maxAttempts: number;
  readonly retryBaseMs: number;
  readonly fileUrlTtlS: number;
  readonly bodyLimitBytes: number;
  /** graceful shutdown: how long running tasks get to finish before they are re-queued */
  readonly shutdownGraceMs: number;
  /** enables the `noop` model used by benchmarks and tests */
  readonly enableNoop: boolean;
  readonly publicUrl: string | null;
}

export type ConfigFlags = Partial<{
  host: string;
  port: string | number;
  dataDir: string;
  database: string;
  role: string;
  allowPrivateUrls: boolean;
  logLevel: string;
  concurrency: string | number;
}>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function int(name: string, raw: string | number | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return n;
}

function bool(name: string, raw: string | boolean | undefined, fallback: boolean): boolean {
  if (raw === undefined || raw === '') return fallback;
  if (typeof raw === 'boolean') return raw;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

export function loadConfig(flags: ConfigFlags, env: Record<string, string | undefined>): Config {
  const dataDir = path.resolve(flags.dataDir ?? env.GENQ_DATA_DIR ?? '.genq');
  const role = flags.role ?? env.GENQ_ROLE ?? 'all';
  if (role !== 'all' && role !== 'api' && role !== 'worker') {
    throw new ConfigError(`--role must be all, api or worker, got "${role}"`);
  }
  return Object.freeze({
    host: flags.host ?? env.GENQ_HOST ?? '127.0.0.1',
    port: int('--port', flags.port ?? env.GENQ_PORT, 8080, 0, 65535),
    dataDir,
    database: flags.database ?? env.GENQ_DATABASE ?? path.join(dataDir, 'genq.db'),
    role,
    allowPrivateUrls: bool('--allow-private-urls', flags.allowPrivateUrls ?? env.GENQ_ALLOW_PRIVATE_URLS, false),
    logLevel: flags.logLevel ?? env.GENQ_LOG_LEVEL ?? 'info',
    concurrency: int('--concurrency', flags.concurrency ?? env.GENQ_CONCURRENCY, 16, 1, 10_000),
    leaseMs: int('GENQ_LEASE_MS', env.GENQ_LEASE_MS, 30_000, 200, 3_600_000),
    heartbeatMs: int('GENQ_HEARTBEAT_MS', env.GENQ_HEARTBEAT_MS, 0, 0, 3_600_000),
    queueTtlS: int('GENQ_QUEUE_TTL_S', env.GENQ_QUEUE_TTL_S, 24 * 3600, 1, 365 * 24 * 3600),
    maxAttempts: int('GENQ_MAX_ATTEMPTS', env.GENQ_MAX_ATTEMPTS, 3, 1, 100),
    retryBaseMs: int('GENQ_RETRY_BASE_MS', env.GENQ_RETRY_BASE_MS, 1000, 0, 3_600_000),
    fileUrlTtlS: int('GENQ_FILE_URL_TTL_S', env.GENQ_FILE_URL_TTL_S, 15 * 60, 1, 7 * 24 * 3600),
    bodyLimitBytes: int('GENQ_BODY_LIMIT_BYTES', env.GENQ_BODY_LIMIT_BYTES, 4 * 1024 * 1024, 1024, 1024 ** 3),
    shutdownGraceMs: int('GENQ_SHUTDOWN_GRACE_MS', env.GENQ_SHUTDOWN_GRACE_MS, 10_000, 0, 3_600_000),
    enableNoop: bool('GENQ_ENABLE_NOOP', env.GENQ_ENABLE_NOOP, false),
    publicUrl: env.GENQ_PUBLIC_URL ?? null,
  });
}

/** heartbeat period: explicit, else a third of the lease so two beats can be missed */
export function heartbeatInterval(c: Config): number {
  return c.heartbeatMs > 0 ? c.heartbeatMs : Math.max(50, Math.floor(c.leaseMs / 3));
}

/** What the client commands of the CLI need: where the server is and which key to use. */
export interface ClientConfig {
  readonly url: string;
  readonly apiKey: string | null;
}

export function loadClientConfig(flags: { url?: string; apiKey?: string }, env: Record<string, string | undefined>): ClientConfig {
  const url = (flags.url ?? env.GENQ_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  if (!/^https?:\/\//.test(url)) throw new ConfigError(`--url must start with http:// or https://, got "${url}"`);
  return Object.freeze({ url, apiKey: flags.apiKey ?? env.GENQ_API_KEY ?? null });
}
