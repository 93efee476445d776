/** `genq webhooks …`: the account's webhook deliveries and its signing secret, through the SDK. */
import type { Command } from 'commander';
import type { WebhookDelivery } from '../../sdk/index.js';
import { clientFrom, clientOptions } from '../client.js';
import { printTable, usageError } from '../output.js';

const STATUSES = ['pending', 'succeeded', 'dead'];

const summary = (d: WebhookDelivery) => ({
  id: d.id, task: d.task_id, event: d.event, status: d.status, attempts: d.attempts,
  last: d.last_status ?? (d.last_error ? 'error' : '-'), next: d.next_attempt_at ?? '-', created: d.created_at,
});

function show(d: WebhookDelivery, json: boolean): void {
  if (json) return console.log(JSON.stringify(d));
  printTable([summary(d)]);
  console.log(`url: ${d.url}`);
  if (d.last_error) console.log(`last error: ${d.last_error}`);
}

export function registerWebhooks(program: Command): void {
  const webhooks = program.command('webhooks').description('webhook deliveries of your account, and its signing secret');

  clientOptions(webhooks.command('deliveries').description('list webhook deliveries, newest first'))
    .option('--status <status>', 'pending, succeeded or dead (dead = retries exhausted)')
    .option('--task <id>', 'only the deliveries of this task')
    .option('--limit <n>', 'page size (≤ 100)', '20')
    .option('--cursor <cursor>', 'next_cursor from the previous page')
    .action(async (opts) => {
      if (opts.status !== undefined && !STATUSES.includes(opts.status)) throw usageError(`--status must be one of ${STATUSES.join(', ')}, got "${opts.status}"`);
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw usageError(`--limit must be a whole number from 1 to 100, got "${opts.limit}"`);
      const page = await clientFrom(opts).webhooks.listDeliveries({
        limit, ...(opts.status ? { status: opts.status } : {}), ...(opts.task ? { task_id: opts.task } : {}), ...(opts.cursor ? { cursor: opts.cursor } : {}),
      });
      if (opts.json) return console.log(JSON.stringify(page));
      printTable(page.data.map(summary));
      if (page.next_cursor) console.log(`\nmore: --cursor ${page.next_cursor}`);
    });

  clientOptions(webhooks.command('get').argument('<id>').description('show one delivery (its id is the webhook-id header)')).action(async (id, opts) => {
    show(await clientFrom(opts).webhooks.getDelivery(id), opts.json);
  });

  clientOptions(webhooks.command('redeliver').argument('<id>').description('send a delivery again now, with a fresh retry window')).action(async (id, opts) => {
    show(await clientFrom(opts).webhooks.redeliver(id), opts.json);
  });

  clientOptions(webhooks.command('rotate-secret').description('replace the webhook signing secret (the old one keeps signing during the grace period)')).action(async (opts) => {
    const r = await clientFrom(opts).webhooks.rotateSecret();
    if (opts.json) return console.log(JSON.stringify(r));
    console.log(`New webhook secret: ${r.webhook_secret}`);
    console.log(r.previous_valid_until
      ? `Messages carry a signature with the previous secret too until ${r.previous_valid_until}; update your receivers before then.`
      : 'The previous secret no longer signs messages.');
  });
}
