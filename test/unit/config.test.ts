import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, heartbeatInterval, loadClientConfig, loadConfig } from '../../src/config.js';

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('has the embedded defaults', () => {
    const c = loadConfig({}, {});
    expect(c).toMatchObject({
      host: '127.0.0.1', port: 8080, dataDir: path.resolve('.genq'), database: path.join(path.resolve('.genq'), 'genq.db'),
      role: 'all', allowPrivateUrls: false, logLevel: 'info', concurrency: 16, leaseMs: 30_000, heartbeatMs: 0,
      queueTtlS: 86_400, maxAttempts: 3, retryBaseMs: 1000, fileUrlTtlS: 900, bodyLimitBytes: 4 * 1024 * 1024,
      shutdownGraceMs: 10_000, enableNoop: false, publicUrl: null,
    });
  });

  it('reads GENQ_* variables', () => {
    const c = loadConfig({}, {
      GENQ_HOST: '0.0.0.0', GENQ_PORT: '9000', GENQ_DATA_DIR: '/tmp/gq', GENQ_ROLE: 'worker', GENQ_ALLOW_PRIVATE_URLS: 'yes',
      GENQ_LOG_LEVEL: 'debug', GENQ_CONCURRENCY: '4', GENQ_LEASE_MS: '5000', GENQ_HEARTBEAT_MS: '1000', GENQ_QUEUE_TTL_S: '60',
      GENQ_MAX_ATTEMPTS: '5', GENQ_RETRY_BASE_MS: '0', GENQ_FILE_URL_TTL_S: '30', GENQ_BODY_LIMIT_BYTES: '2048',
      GENQ_SHUTDOWN_GRACE_MS: '0', GENQ_ENABLE_NOOP: 'TRUE', GENQ_PUBLIC_URL: 'https://genq.example.com',
    });
    expect(c).toMatchObject({
      host: '0.0.0.0', port: 9000, dataDir: '/tmp/gq', database: '/tmp/gq/genq.db', role: 'worker', allowPrivateUrls: true,
      logLevel: 'debug', concurrency: 4, leaseMs: 5000, heartbeatMs: 1000, queueTtlS: 60, maxAttempts: 5, retryBaseMs: 0,
      fileUrlTtlS: 30, bodyLimitBytes: 2048, shutdownGraceMs: 0, enableNoop: true, publicUrl: 'https://genq.example.com',
    });
  });

  it('flags win over the environment', () => {
    const env = { GENQ_HOST: 'envhost', GENQ_PORT: '9000', GENQ_DATA_DIR: '/env', GENQ_DATABASE: '/env/x.db', GENQ_ROLE: 'api', GENQ_ALLOW_PRIVATE_URLS: 'true', GENQ_LOG_LEVEL: 'warn', GENQ_CONCURRENCY: '2' };
    const c = loadConfig({ host: 'flaghost', port: '7000', dataDir: '/flag', database: '/flag/y.db', role: 'worker', allowPrivateUrls: false, logLevel: 'error', concurrency: 8 }, env);
    expect(c).toMatchObject({ host: 'flaghost', port: 7000, dataDir: '/flag', database: '/flag/y.db', role: 'worker', allowPrivateUrls: false, logLevel: 'error', concurrency: 8 });
    // a flag given alone still lets the environment fill in the rest
    const d = loadConfig({ port: 1234 }, env);
    expect(d).toMatchObject({ port: 1234, host: 'envhost', dataDir: '/env', database: '/env/x.db' });
    // the database defaults to a file inside the data dir, whichever source set it
    expect(loadConfig({ dataDir: '/flag' }, { GENQ_DATA_DIR: '/env' }).database).toBe('/flag/genq.db');
    expect(loadConfig({}, { GENQ_DATABASE: 'postgres://db/genq' }).database).toBe('postgres://db/genq');
  });

  it('accepts the boolean spellings', () => {
    for (const t of ['1', 'true', 'yes', 'on', 'ON', 'True']) expect(loadConfig({}, { GENQ_ENABLE_NOOP: t }).enableNoop).toBe(true);
    for (const f of ['0', 'false', 'no', 'off', 'OFF', '']) expect(loadConfig({}, { GENQ_ENABLE_NOOP: f }).enableNoop).toBe(false);
  });

  it('rejects invalid values with a ConfigError naming the setting, the allowed range and the bad value', () => {
    const cases: Array<[Parameters<typeof loadConfig>[0], Record<string, string>, RegExp]> = [
      [{ port: 'abc' }, {}, /^--port must be an integer between 0 and 65535, got "abc"$/],
      [{ port: 70000 }, {}, /port.*"70000"/],
      [{}, { GENQ_PORT: '-1' }, /^GENQ_PORT .*"-1"/],
      [{}, { GENQ_PORT: '80.5' }, /^GENQ_PORT/],
      [{ port: 'x' }, { GENQ_PORT: '80' }, /^--port/],
      [{ role: 'boss' }, {}, /^--role must be all, api or worker.*"boss"/],
      [{}, { GENQ_ROLE: 'boss' }, /^GENQ_ROLE .*"boss"/],
      [{ concurrency: 0 }, {}, /^--concurrency .*between 1 and/],
      [{}, { GENQ_CONCURRENCY: 'lots' }, /^GENQ_CONCURRENCY .*"lots"/],
      [{}, { GENQ_LEASE_MS: '10' }, /GENQ_LEASE_MS.*between 200 and.*"10"/],
      [{}, { GENQ_MAX_ATTEMPTS: '0' }, /GENQ_MAX_ATTEMPTS/],
      [{}, { GENQ_MAX_ATTEMPTS: 'three' }, /GENQ_MAX_ATTEMPTS.*"three"/],
      [{}, { GENQ_QUEUE_TTL_S: '0' }, /GENQ_QUEUE_TTL_S/],
      [{}, { GENQ_BODY_LIMIT_BYTES: '10' }, /GENQ_BODY_LIMIT_BYTES/],
      [{}, { GENQ_ENABLE_NOOP: 'maybe' }, /GENQ_ENABLE_NOOP must be true or false.*"maybe"/],
      [{}, { GENQ_ALLOW_PRIVATE_URLS: 'sure' }, /^GENQ_ALLOW_PRIVATE_URLS must be true or false.*"sure"/],
    ];
    for (const [flags, env, message] of cases) {
      const e = configError(() => loadConfig(flags, env));
      expect(e.name).toBe('ConfigError');
      expect(e.message, JSON.stringify([flags, env])).toMatch(message);
    }
  });

  it('returns a frozen object', () => {
    const c = loadConfig({}, {});
    expect(Object.isFrozen(c)).toBe(true);
    expect(() => {
      (c as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(c.port).toBe(8080);
  });

  it('derives the heartbeat from the lease unless set', () => {
    expect(heartbeatInterval(loadConfig({}, {}))).toBe(10_000);
    expect(heartbeatInterval(loadConfig({}, { GENQ_LEASE_MS: '200' }))).toBe(66);
    expect(heartbeatInterval(loadConfig({}, { GENQ_HEARTBEAT_MS: '250' }))).toBe(250);
  });

  it('refuses a heartbeat that is not shorter than the lease', () => {
    expect(configError(() => loadConfig({}, { GENQ_LEASE_MS: '1000', GENQ_HEARTBEAT_MS: '1000' })).message).toMatch(/GENQ_HEARTBEAT_MS \(1000\) must be shorter than GENQ_LEASE_MS/);
    expect(heartbeatInterval(loadConfig({}, { GENQ_LEASE_MS: '1000', GENQ_HEARTBEAT_MS: '999' }))).toBe(999);
  });
});

describe('loadClientConfig', () => {
  it('defaults, precedence, trailing slashes and validation', () => {
    expect(loadClientConfig({}, {})).toEqual({ url: 'http://127.0.0.1:8080', apiKey: null });
    expect(loadClientConfig({}, { GENQ_URL: 'https://a.example/', GENQ_API_KEY: 'sk_env' })).toEqual({ url: 'https://a.example', apiKey: 'sk_env' });
    expect(loadClientConfig({ url: 'http://b//', apiKey: 'sk_flag' }, { GENQ_URL: 'https://a', GENQ_API_KEY: 'sk_env' })).toEqual({ url: 'http://b', apiKey: 'sk_flag' });
    expect(configError(() => loadClientConfig({ url: 'ftp://x' }, {})).message).toMatch(/--url must start with http/);
    expect(Object.isFrozen(loadClientConfig({}, {}))).toBe(true);
  });
});
