/** `genq status`: queue depth and oldest wait per model, and the live workers, from GET /v1/status. */
import type { Command } from 'commander';
import { clientFrom, clientOptions } from './tasks.js';
import { printTable } from '../output.js';

export function registerStatus(program: Command): void {
  clientOptions(program.command('status').description('queue depth, oldest wait per model, and live workers')).action(async (opts) => {
    const s = await clientFrom(opts).request('GET', '/v1/status');
    if (opts.json) return console.log(JSON.stringify(s));
    const t = s.totals;
    console.log(`store ${s.store}, storage ${s.storage}: ${t.queued} queued, ${t.running} running; ${t.workers} workers, ${t.busy_slots}/${t.slots} slots busy\n`);
    printTable(s.queues.map((q: any) => ({
      model: q.model, queued: q.queued, running: q.running, oldest_wait: q.oldest_wait_s === null ? '-' : `${q.oldest_wait_s}s`,
    })));
    console.log('');
    printTable(s.workers.map((w: any) => ({
      worker: w.id, host: w.host, pid: w.pid, running: `${w.running}/${w.concurrency}`, seen: `${w.last_seen_s_ago}s ago`, since: w.started_at,
    })));
    if (t.queued > 0 && t.workers === 0) console.log('\nno live worker: queued tasks wait until one starts (genq serve --role worker)');
  });
}
