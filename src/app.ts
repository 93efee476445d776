/**
 * The composition root: builds every part from the config and wires them together. The CLI's
 * `serve`, the tests and the benchmarks all start genq through `startGenq`.
 */
import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { heartbeatInterval } from './config.js';
import { openStore } from './store/open-store.js';
import type { Store } from './store/store.js';
import { openStorage } from './storage/open-storage.js';
import { redactUrl } from './store/postgres/connection.js';
import { Retention } from './store/retention.js';
import { feedRemoteChanges } from './core/remote-feed.js';
import { UrlSigner } from './storage/url-signer.js';
import { EventBus } from './core/event-bus.js';
import { ModelRegistry } from './core/model-registry.js';
import { TaskService } from './core/task-service.js';
import { Accounts } from './core/accounts.js';
import { WorkerRuntime } from './worker/worker-runtime.js';
import { WebhookDeliverer } from './worker/webhook-deliverer.js';
import { postJson } from './net/outbound.js';
import { webhookRenderer } from './api/webhook-payload.js';
import { buildServer } from './api/server.js';
import { Metrics } from './api/metrics.js';
import type { Provider } from './providers/provider.js';
import { noopProvider } from './providers/noop.js';
import { createLocalVoiceProviders } from './providers/local.js';
import { detectSystemEngines } from './providers/system/detect.js';
import { checkWebhookUrl } from './core/webhook-url.js';

export interface RunningGenq {
  config: Config;
  store: Store;
  accounts: Accounts;
  tasks: TaskService;
  http: FastifyInstance | null;
  worker: WorkerRuntime | null;
  /** the bound address, e.g. http://127.0.0.1:8080 */
  url: string | null;
  close(): Promise<void>;
}

export function createProviders(config: Config): Provider[] {
  const systemEngines = config.systemEngines ? detectSystemEngines(config.searchPath) : undefined;
  const providers: Provider[] = [...createLocalVoiceProviders({ allowPrivateUrls: config.allowPrivateUrls, systemEngines })];
  if (config.enableNoop) providers.push(noopProvider);
  return providers;
}

export async function startGenq(config: Config, log: Logger): Promise<RunningGenq> {
  const store = await openStore(config.database, { log, poolMax: config.pgPoolMax });
  let storage;
  try {
    storage = await openStorage(config.storage);
  } catch (e) {
    await store.close();
    throw e;
  }
  const providers = createProviders(config);
  const registry = new ModelRegistry(providers);
  const bus = new EventBus();
  const tasks = new TaskService(store, registry, bus, log, {
    maxAttempts: config.maxAttempts, queueTtlS: config.queueTtlS, prices: config.prices, webhookRetryS: config.webhookRetryS,
    checkWebhookUrl: (url) => checkWebhookUrl(url, config.allowPrivateUrls),
  });
  const accounts = new Accounts(store);
  // transitions written by other processes (PostgreSQL LISTEN/NOTIFY) reach long-polls, SSE and idle workers here
  const stopFeed = feedRemoteChanges(store, bus, log);
  // every process signs with the secret kept in the store, so any api process verifies any URL
  const signer = new UrlSigner(await store.getOrCreateSetting('url_signing_secret', () => crypto.randomBytes(32).toString('base64url')));
  const metrics = new Metrics(store, bus);

  let worker: WorkerRuntime | null = null;
  if (config.role !== 'api') {
    worker = new WorkerRuntime(tasks, store, registry, storage, log, {
      concurrency: config.concurrency, leaseMs: config.leaseMs, heartbeatMs: heartbeatInterval(config),
      retryBaseMs: config.retryBaseMs, shutdownGraceMs: config.shutdownGraceMs,
      accountConcurrency: config.accountConcurrency > 0 ? config.accountConcurrency : null,
    });
    worker.start();
  }
  const retention = config.role !== 'api' ? new Retention(store, storage, log, { retentionS: config.retentionS, onDeleted: (ids) => tasks.finished.forget(ids) }) : null;
  retention?.start();

  let http: FastifyInstance | null = null;
  let url: string | null = null;
  if (config.role !== 'worker') {
    http = await buildServer({ config, store, tasks, accounts, registry, storage, signer, metrics }, log);
    await http.listen({ host: config.host, port: config.port });
    const addr = http.server.address();
    url = typeof addr === 'object' && addr ? `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}` : null;
    log.info({ url, role: config.role, store: store.kind, storage: storage.kind, data_dir: config.dataDir }, 'genq listening');
  }

  // webhooks: every process sends the outbox's messages (docs/webhooks.md), independently of the worker
  const deliverer = config.webhookConcurrency === 0 ? null : new WebhookDeliverer(store, log, {
    concurrency: config.webhookConcurrency, timeoutMs: config.webhookTimeoutMs, retryBaseMs: config.webhookRetryBaseMs,
    secretGraceS: config.webhookSecretGraceS, allowPrivateUrls: config.allowPrivateUrls, post: postJson, registry: metrics.registry,
    render: webhookRenderer({
      signer, storage, fileUrlTtlS: config.fileUrlTtlS, routedTo: (m) => registry.providerFor(m)?.id ?? null,
      baseUrl: config.publicUrl ?? url ?? `http://${config.host}:${config.port}`,
    }),
  });
  if (deliverer) {
    tasks.onDelivery = () => deliverer.kick();
    tasks.localDeliverer = deliverer;
  }
  deliverer?.start();

  if ((await store.countKeys()) === 0) {
    const where = /^postgres/.test(config.database) ? `--database ${redactUrl(config.database)}` : `--data-dir ${config.dataDir}`;
    log.warn(
      { hint: `npx genq keys create --name me --credits 1000 ${where}` },
      `No API keys yet. Create one with: npx genq keys create --name me --credits 1000 ${where}`,
    );
  }

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      // stop taking requests first, then let the worker finish or hand back its tasks;
      // long-polls and event streams end at once, or they would hold http.close() open
      tasks.stopWaiting();
      if (http) {
        const closed = http.close();
        // a connection busy at this moment (a long-poll answering) goes idle afterwards and would
        // sit in keep-alive for a minute: keep closing idle ones, and cut the rest after the grace
        const server = http.server;
        const nudge = setInterval(() => server.closeIdleConnections(), 50);
        const cut = setTimeout(() => server.closeAllConnections(), Math.max(1000, config.shutdownGraceMs));
        try {
          await closed;
        } finally {
          clearInterval(nudge);
          clearTimeout(cut);
        }
      }
      if (worker) await worker.stop();
      await deliverer?.stop();
      await retention?.stop();
      stopFeed();
      for (const p of providers) await p.close?.();
      storage.close?.();
      await store.close();
    })());
  return { config, store, accounts, tasks, http, worker, url, close };
}
