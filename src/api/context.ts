import type { Config } from '../config.js';
import type { Accounts } from '../core/accounts.js';
import type { ModelRegistry } from '../core/model-registry.js';
import type { TaskService } from '../core/task-service.js';
import type { Store } from '../store/store.js';
import type { BlobStorage } from '../storage/blob-storage.js';
import type { UrlSigner } from '../storage/url-signer.js';
import type { Metrics } from './metrics.js';

/** Everything an HTTP route may use. Routes never construct services themselves. */
export interface ApiContext {
  config: Config;
  store: Store;
  tasks: TaskService;
  accounts: Accounts;
  registry: ModelRegistry;
  storage: BlobStorage;
  signer: UrlSigner;
  metrics: Metrics;
}
