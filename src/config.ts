/**
 * Configuration, resolved once: flags win over GENQ_* environment variables, which win over
 * the embedded defaults. Nothing else in genq reads process.env.
 */
import { readFileSync } from 'node:fs';
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
  /** look for speech engines installed from Debian packages (espeak-ng, festival) and offer them */
  readonly systemEngines: boolean;
  /** where to look for them: the PATH genq was started with */
  readonly searchPath: string;
  /**
   * Vendor voice names → genq voice ids, per dialect (`{"finevoice":{"james":"en-gb-male-1"}}`),
   * merged over each dialect's documented defaults. From GENQ_VOICE_ALIASES: JSON, or @path to a JSON file.
   */
  readonly voiceAliases: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** where result files live: a local folder (default) or an S3-compatible bucket */
  readonly storage: StorageConfig;
  /** finished tasks and their files are deleted this long after they finished; 0 keeps them forever */
  readonly retentionS: number;
  /** PostgreSQL: pooled connections per process (one more is used for LISTEN) */
  readonly pgPoolMax: number;
  /** request rate and size limits (docs/limits.md) */
  readonly limits: LimitsConfig;
  /** webhooks: a message is retried for this long after its event, then dead-lettered */
  readonly webhookRetryS: number;
  /** webhooks: first retry delay; each later one doubles (with full jitter), capped at an hour */
  readonly webhookRetryBaseMs: number;
  /** webhooks: one attempt's deadline, connect to last response byte */
  readonly webhookTimeoutMs: number;
  /** webhooks: attempts in flight at once per process; 0 = this process sends none (others do) */
  readonly webhookConcurrency: number;
  /** after a secret rotation, messages are signed with the old secret too for this long */
  readonly webhookSecretGraceS: number;
  /** running tasks per account for accounts without their own limit; 0 = no limit */
  readonly accountConcurrency: number;
  /** credit prices per model (GENQ_PRICES); models not listed use their provider's price */
  readonly prices: Readonly<Record<string, Price>>;
}

/** What a task of one model costs: a fixed part plus a part per started 100 characters of its text. */
export interface Price {
  readonly per_task: number;
  readonly per_100_chars: number;
}

export type StorageConfig =
  | { readonly kind: 'local'; readonly dir: string }
  | {
      readonly kind: 's3';
      readonly bucket: string;
      /** key prefix inside the bucket, '' or ending in '/' */
      readonly prefix: string;
      /** null = AWS itself */
      readonly endpoint: string | null;
      readonly region: string;
      readonly forcePathStyle: boolean;
      /** from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN; null = the AWS SDK's default chain */
      readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string } | null;
    };

export type ConfigFlags = Partial<{
  host: string;
  port: string | number;
  dataDir: string;
  database: string;
  role: string;
  allowPrivateUrls: boolean;
  logLevel: string;
  concurrency: string | number;
  storage: string;
  rateLimit: string | number;
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

/** names a setting the way the user gave it, so an error points at the flag or the variable actually set */
const via = (flag: string, given: unknown, variable: string): string => (given !== undefined ? flag : variable);

export function loadConfig(flags: ConfigFlags, env: Record<string, string | undefined>): Config {
  const dataDir = path.resolve(flags.dataDir ?? env.GENQ_DATA_DIR ?? '.genq');
  const role = flags.role ?? env.GENQ_ROLE ?? 'all';
  if (role !== 'all' && role !== 'api' && role !== 'worker') {
    throw new ConfigError(`${via('--role', flags.role, 'GENQ_ROLE')} must be all, api or worker, got "${role}"`);
  }
  const leaseMs = int('GENQ_LEASE_MS', env.GENQ_LEASE_MS, 30_000, 200, 3_600_000);
  const heartbeatMs = int('GENQ_HEARTBEAT_MS', env.GENQ_HEARTBEAT_MS, 0, 0, 3_600_000);
  if (heartbeatMs >= leaseMs) {
    // leases would lapse between beats and healthy tasks would run twice
    throw new ConfigError(`GENQ_HEARTBEAT_MS (${heartbeatMs}) must be shorter than GENQ_LEASE_MS (${leaseMs}); a third of it is a good value`);
  }
  return Object.freeze({
    host: flags.host ?? env.GENQ_HOST ?? '127.0.0.1',
    port: int(via('--port', flags.port, 'GENQ_PORT'), flags.port ?? env.GENQ_PORT, 8080, 0, 65535),
    dataDir,
    database: flags.database ?? env.GENQ_DATABASE ?? path.join(dataDir, 'genq.db'),
    role,
    allowPrivateUrls: bool(via('--allow-private-urls', flags.allowPrivateUrls, 'GENQ_ALLOW_PRIVATE_URLS'), flags.allowPrivateUrls ?? env.GENQ_ALLOW_PRIVATE_URLS, false),
    logLevel: flags.logLevel ?? env.GENQ_LOG_LEVEL ?? 'info',
    concurrency: int(via('--concurrency', flags.concurrency, 'GENQ_CONCURRENCY'), flags.concurrency ?? env.GENQ_CONCURRENCY, 16, 1, 10_000),
    leaseMs,
    heartbeatMs,
    queueTtlS: int('GENQ_QUEUE_TTL_S', env.GENQ_QUEUE_TTL_S, 24 * 3600, 1, 365 * 24 * 3600),
    maxAttempts: int('GENQ_MAX_ATTEMPTS', env.GENQ_MAX_ATTEMPTS, 3, 1, 100),
    retryBaseMs: int('GENQ_RETRY_BASE_MS', env.GENQ_RETRY_BASE_MS, 1000, 0, 3_600_000),
    fileUrlTtlS: int('GENQ_FILE_URL_TTL_S', env.GENQ_FILE_URL_TTL_S, 15 * 60, 1, 7 * 24 * 3600),
    bodyLimitBytes: int('GENQ_BODY_LIMIT_BYTES', env.GENQ_BODY_LIMIT_BYTES, 4 * 1024 * 1024, 1024, 1024 ** 3),
    shutdownGraceMs: int('GENQ_SHUTDOWN_GRACE_MS', env.GENQ_SHUTDOWN_GRACE_MS, 10_000, 0, 3_600_000),
    enableNoop: bool('GENQ_ENABLE_NOOP', env.GENQ_ENABLE_NOOP, false),
    publicUrl: env.GENQ_PUBLIC_URL ?? null,
    systemEngines: bool('GENQ_SYSTEM_ENGINES', env.GENQ_SYSTEM_ENGINES, true),
    searchPath: env.PATH ?? '',
    voiceAliases: voiceAliases(env.GENQ_VOICE_ALIASES),
    storage: storageConfig(via('--storage', flags.storage, 'GENQ_STORAGE'), flags.storage ?? env.GENQ_STORAGE ?? 'local', dataDir, env),
    retentionS: int('GENQ_RETENTION_S', env.GENQ_RETENTION_S, 30 * 24 * 3600, 0, 100 * 365 * 24 * 3600),
    pgPoolMax: int('GENQ_PG_POOL_MAX', env.GENQ_PG_POOL_MAX, 10, 1, 1000),
    webhookRetryS: int('GENQ_WEBHOOK_RETRY_S', env.GENQ_WEBHOOK_RETRY_S, 24 * 3600, 0, 30 * 24 * 3600),
    webhookRetryBaseMs: int('GENQ_WEBHOOK_RETRY_BASE_MS', env.GENQ_WEBHOOK_RETRY_BASE_MS, 5000, 1, 3_600_000),
    webhookTimeoutMs: int('GENQ_WEBHOOK_TIMEOUT_MS', env.GENQ_WEBHOOK_TIMEOUT_MS, 10_000, 50, 300_000),
    webhookConcurrency: int('GENQ_WEBHOOK_CONCURRENCY', env.GENQ_WEBHOOK_CONCURRENCY, 64, 0, 1000),
    webhookSecretGraceS: int('GENQ_WEBHOOK_SECRET_GRACE_S', env.GENQ_WEBHOOK_SECRET_GRACE_S, 24 * 3600, 0, 30 * 24 * 3600),
    accountConcurrency: int('GENQ_ACCOUNT_CONCURRENCY', env.GENQ_ACCOUNT_CONCURRENCY, 0, 0, 1_000_000),
    prices: prices(env.GENQ_PRICES),
    limits: limitsConfig(flags, env),
  });
}

// ---------------------------------------------------------------------------------------------
// Limits (docs/limits.md)

export interface LimitsConfig {
  /** requests per second for an API key created without its own `--rate-limit`; 0 = unlimited */
  readonly rateLimit: number;
  /** rejected API keys per second from one client address before it gets 429; 0 = no limit */
  readonly authFailuresPerIp: number;
  /** body cap of POST /v1/tasks/batch (every other JSON route: bodyLimitBytes) */
  readonly batchBodyLimitBytes: number;
  /** body cap of POST /v1/uploads */
  readonly uploadLimitBytes: number;
}

function limitsConfig(flags: ConfigFlags, env: Record<string, string | undefined>): LimitsConfig {
  const MiB = 1024 * 1024;
  return Object.freeze({
    rateLimit: int(via('--rate-limit', flags.rateLimit, 'GENQ_RATE_LIMIT'), flags.rateLimit ?? env.GENQ_RATE_LIMIT, 0, 0, 1_000_000),
    authFailuresPerIp: int('GENQ_AUTH_FAILURES_PER_IP', env.GENQ_AUTH_FAILURES_PER_IP, 20, 0, 1_000_000),
    batchBodyLimitBytes: int('GENQ_BATCH_BODY_LIMIT_BYTES', env.GENQ_BATCH_BODY_LIMIT_BYTES, 64 * MiB, 1024, 1024 ** 3),
    uploadLimitBytes: int('GENQ_UPLOAD_LIMIT_BYTES', env.GENQ_UPLOAD_LIMIT_BYTES, 20 * MiB, 1024, 1024 ** 3),
  });
}

/**
 * `local` (files under <data-dir>/files), `file:///abs/dir`, or
 * `s3://bucket[/prefix]?endpoint=http://host:9000&region=…&path_style=true|false`. The endpoint
 * may also come from AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, the region from AWS_REGION /
 * AWS_DEFAULT_REGION, credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN.
 */
function storageConfig(name: string, raw: string, dataDir: string, env: Record<string, string | undefined>): StorageConfig {
  if (raw === 'local') return Object.freeze({ kind: 'local', dir: path.join(dataDir, 'files') });
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be "local", file:///dir or s3://bucket?endpoint=…, got "${raw}"`);
  }
  if (u.protocol === 'file:') return Object.freeze({ kind: 'local', dir: path.resolve(decodeURIComponent(u.pathname)) });
  if (u.protocol !== 's3:') throw new ConfigError(`${name} must be "local", file:///dir or s3://bucket?endpoint=…, got "${raw}"`);
  const bucket = u.hostname;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new ConfigError(`${name}: "${bucket}" is not a valid bucket name`);
  const folder = decodeURIComponent(u.pathname).replace(/^\/+|\/+$/g, '');
  const endpoint = u.searchParams.get('endpoint') ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL ?? null;
  if (endpoint !== null && !/^https?:\/\/[^/]+\/?$/.test(endpoint)) {
    throw new ConfigError(`${name}: endpoint must be http(s)://host[:port], got "${endpoint}"`);
  }
  const pathStyle = u.searchParams.get('path_style');
  const keyId = env.AWS_ACCESS_KEY_ID;
  const secret = env.AWS_SECRET_ACCESS_KEY;
  if ((keyId && !secret) || (!keyId && secret)) throw new ConfigError('Set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither');
  return Object.freeze({
    kind: 's3',
    bucket,
    prefix: folder ? `${folder}/` : '',
    endpoint: endpoint?.replace(/\/$/, '') ?? null,
    region: u.searchParams.get('region') ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    forcePathStyle: pathStyle === null ? endpoint !== null : bool(`${name} path_style`, pathStyle, false),
    credentials: keyId && secret ? Object.freeze({ accessKeyId: keyId, secretAccessKey: secret, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) }) : null,
  });
}

/** GENQ_VOICE_ALIASES: `{"<dialect>": {"<vendor voice>": "<genq voice id>"}}`, inline or `@file.json`. */
function voiceAliases(raw: string | undefined): Config['voiceAliases'] {
  if (raw === undefined || raw.trim() === '') return Object.freeze({});
  let text = raw;
  if (raw.startsWith('@')) {
    try {
      text = readFileSync(raw.slice(1), 'utf8');
    } catch (e) {
      throw new ConfigError(`GENQ_VOICE_ALIASES names a file that cannot be read: ${(e as Error).message}`);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`GENQ_VOICE_ALIASES is not valid JSON: ${(e as Error).message}`);
  }
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(parsed)) throw new ConfigError('GENQ_VOICE_ALIASES must be a JSON object: {"finevoice": {"james": "en-us-male-1"}}');
  const out: Record<string, Readonly<Record<string, string>>> = {};
  for (const [dialect, table] of Object.entries(parsed)) {
    if (!isObject(table) || !Object.values(table).every((v) => typeof v === 'string')) {
      throw new ConfigError(`GENQ_VOICE_ALIASES.${dialect} must map voice names to genq voice ids (strings)`);
    }
    out[dialect] = Object.freeze({ ...(table as Record<string, string>) });
  }
  return Object.freeze(out);
}

/** GENQ_PRICES: `{"<model>": {"per_task": 1, "per_100_chars": 2}}` (either part may be left out; 0 = free). */
function prices(raw: string | undefined): Config['prices'] {
  if (raw === undefined || raw.trim() === '') return Object.freeze({});
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    throw new ConfigError(`GENQ_PRICES is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError('GENQ_PRICES must be a JSON object: {"espeak-ng": {"per_100_chars": 2}}');
  }
  const out: Record<string, Price> = {};
  for (const [model, p] of Object.entries(parsed as Record<string, unknown>)) {
    const o = (typeof p === 'object' && p !== null ? p : {}) as Record<string, unknown>;
    const part = (k: string) => {
      const v = o[k] ?? 0;
      if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 1e9) throw new ConfigError(`GENQ_PRICES.${model}.${k} must be a whole number of credits ≥ 0`);
      return v as number;
    };
    if (typeof p !== 'object' || p === null || Object.keys(o).some((k) => k !== 'per_task' && k !== 'per_100_chars')) {
      throw new ConfigError(`GENQ_PRICES.${model} must be {"per_task": n, "per_100_chars": n}`);
    }
    out[model] = Object.freeze({ per_task: part('per_task'), per_100_chars: part('per_100_chars') });
  }
  return Object.freeze(out);
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
