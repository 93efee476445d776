/**
 * Child process: genq end-to-end throughput of noop tasks with the trust features switched
 * on or off — the credit ledger (a hold at admission, release + charge at the end, in the same
 * transactions) and webhooks (a message stored with each terminal change, then signed and
 * POSTed to a loopback receiver in a process of its own).
 *
 * Like genq-e2e.mjs: enqueue `total` tasks through TaskService.createBatch with an api-role
 * genq, close it, then time a worker-role genq (which also runs the webhook deliverer) from
 * start until every task has succeeded, and, with webhooks, until every message was received.
 * argv[2] (JSON): { dataDir, total, concurrency, ledger: bool, webhooks: bool }.
 */
import { startChild } from './common.mjs';
const { startGenq } = await import('../../dist/app.js');
const { loadConfig } = await import('../../dist/config.js');
const { createLogger } = await import('../../dist/logger.js');

const o = JSON.parse(process.argv[2]);
const log = createLogger('warn');
const wallNow = () => performance.timeOrigin + performance.now();

// the receiver runs in its own process, as a real one would
const receiver = o.webhooks ? startChild('webhook-receiver.mjs', [String(o.total)]) : null;
const hookUrl = receiver ? `http://127.0.0.1:${(await receiver.ready).port}/hook` : null;
const receivedAll = receiver ? receiver.call({}) : Promise.resolve(null);

const env = {
  GENQ_ENABLE_NOOP: '1',
  GENQ_ALLOW_PRIVATE_URLS: 'true',
  ...(process.env.GENQ_WEBHOOK_CONCURRENCY ? { GENQ_WEBHOOK_CONCURRENCY: process.env.GENQ_WEBHOOK_CONCURRENCY } : {}),
  // noop costs 1 credit by default; price 0 means no hold, so no ledger rows at all
  ...(o.ledger ? {} : { GENQ_PRICES: JSON.stringify({ noop: { per_task: 0 } }) }),
};
const config = (role) => loadConfig({ port: 0, dataDir: o.dataDir, role, concurrency: o.concurrency, logLevel: 'warn' }, env);

const api = await startGenq(config('api'), log);
const key = await api.accounts.create({ name: 'bench', credits: 1e12, rateLimit: null });
const one = { capability: 'voice', action: 'tts', model: 'noop', input: {}, ...(o.webhooks ? { webhook: { url: hookUrl } } : {}) };
for (let left = o.total; left > 0; left -= 1000) {
  await api.tasks.createBatch(key.account_id, Array.from({ length: Math.min(1000, left) }, () => one), 'native');
}
await api.close();

let succeeded = 0;
let finished;
const allDone = new Promise((r) => (finished = r));
const cpu0 = process.cpuUsage();
const start = wallNow();
const worker = await startGenq(config('worker'), log);
worker.tasks.bus.onAny((c) => {
  if (c.type === 'task.succeeded' && ++succeeded === o.total) finished(wallNow());
});
const timeout = setTimeout(() => finished(null), 180_000);
const end = await allDone;
const got = o.webhooks ? await Promise.race([receivedAll, new Promise((r) => setTimeout(() => r(null), 180_000))]) : null;
const delivered = o.webhooks ? got?.at ?? null : end;
clearTimeout(timeout);
const cpu = process.cpuUsage(cpu0);
const ledgerRows = (await worker.store.listLedger(key.account_id, 10)).length;
const balance = (await worker.store.getAccount(key.account_id)).credits_balance;
await worker.close();
receiver?.proc.kill();
const seconds = ((end ?? wallNow()) - start) / 1000;
const deliveredS = ((delivered ?? wallNow()) - start) / 1000;
process.send({
  seconds, rps: succeeded / seconds, succeeded, received: got?.received ?? 0, delivered_s: deliveredS, timed_out: end === null || delivered === null,
  cpu_us_per_task: (cpu.user + cpu.system) / Math.max(1, succeeded), charged: 1e12 - balance, ledger_rows_seen: ledgerRows,
}, () => process.exit(0));
