/** Public entry point for embedding genq in another Node program. */
export { startGenq, type RunningGenq } from './app.js';
export { loadConfig, type Config } from './config.js';
export { createLogger } from './logger.js';
export type { Task, TaskStatus } from './core/task.js';
export type { Provider, ProviderContext, ModelInfo } from './providers/provider.js';
export type { Store } from './store/store.js';
