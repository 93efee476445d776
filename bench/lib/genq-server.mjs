/**
 * Child process: a genq server built from dist/ through startGenq, exactly as `genq serve`
 * builds it, with its real logger (one JSON line per request and per transition on stdout,
 * which the parent points at /dev/null). The noop model is enabled.
 *
 * argv[2] (JSON): { dataDir, role, concurrency, logLevel }
 * First IPC message: { url, key, account_id }. Then answers { cmd: 'cpu' } (process.cpuUsage()),
 * { cmd: 'queue' } (store.queueStats()) and { cmd: 'close' }.
 */
const { startGenq } = await import('../../dist/app.js');
const { loadConfig } = await import('../../dist/config.js');
const { createLogger } = await import('../../dist/logger.js');

const o = JSON.parse(process.argv[2]);
const config = loadConfig(
  { port: 0, host: '127.0.0.1', dataDir: o.dataDir, role: o.role ?? 'all', concurrency: o.concurrency ?? 16, logLevel: o.logLevel ?? 'info' },
  { GENQ_ENABLE_NOOP: '1' },
);
const log = createLogger(config.logLevel);
const genq = await startGenq(config, log);
const key = await genq.accounts.create({ name: 'bench', credits: 1e12, rateLimit: null });

process.on('message', async (m) => {
  if (m.cmd === 'cpu') process.send(process.cpuUsage());
  else if (m.cmd === 'queue') process.send(await genq.store.queueStats());
  else if (m.cmd === 'close') {
    await genq.close();
    process.exit(0);
  }
});
process.send({ url: genq.url, key: key.key, account_id: key.account_id });
