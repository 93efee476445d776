import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { createLogger } from '../../logger.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the genq server (API and worker by default)')
    .option('--port <n>', 'HTTP port (GENQ_PORT, default 8080)')
    .option('--host <addr>', 'address to bind (GENQ_HOST, default 127.0.0.1)')
    .option('--data-dir <dir>', 'folder for the SQLite file and result files (GENQ_DATA_DIR, default ./.genq)')
    .option('--database <url>', 'SQLite file path or postgres:// URL (GENQ_DATABASE)')
    .option('--storage <url>', 'result files: local | file:///dir | s3://bucket[/prefix]?endpoint=… (GENQ_STORAGE, default local)')
    .option('--role <role>', 'all | api | worker (GENQ_ROLE, default all)')
    .option('--concurrency <n>', 'tasks this worker runs at once (GENQ_CONCURRENCY, default 16)')
    .option('--rate-limit <n>', 'requests per second per API key, for keys without their own --rate-limit (GENQ_RATE_LIMIT, default 0 = unlimited)')
    .option('--allow-private-urls', 'let webhooks and fetched URLs reach private addresses (GENQ_ALLOW_PRIVATE_URLS)')
    .option('--log-level <level>', 'trace | debug | info | warn | error (GENQ_LOG_LEVEL, default info)')
    .action(async (opts) => {
      const config = loadConfig(opts, process.env);
      const log = createLogger(config.logLevel);
      // loaded here, not at the top: the whole server takes seconds to import, and every other
      // command (keys, tasks, tts) would pay for it on each run
      const { startGenq } = await import('../../app.js');
      const genq = await startGenq(config, log);
      let signals = 0;
      const shutdown = (signal: string) => {
        signals += 1;
        if (signals > 1) process.exit(1); // a second Ctrl-C means "now"
        log.info({ signal }, 'shutting down: finishing or re-queueing running tasks');
        genq.close().then(
          () => process.exit(0),
          (err) => {
            log.error({ err: String(err) }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => shutdown('SIGINT'));
      process.on('SIGTERM', () => shutdown('SIGTERM'));
    });
}
