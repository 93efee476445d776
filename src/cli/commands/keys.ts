/** `genq keys …` works on the store directly, so the first key can be made before a server runs. */
import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { openStore } from '../../store/open-store.js';
import { Accounts } from '../../core/accounts.js';
import { printTable, usageError } from '../output.js';
import { InsufficientCredits } from '../../store/store.js';

const storeOptions = (c: Command) =>
  c
    .option('--data-dir <dir>', 'data folder of the server (GENQ_DATA_DIR, default ./.genq)')
    .option('--database <url>', 'SQLite file path or postgres:// URL (GENQ_DATABASE)');

async function withStore<T>(opts: { dataDir?: string; database?: string }, fn: (a: Accounts, s: Awaited<ReturnType<typeof openStore>>) => Promise<T>): Promise<T> {
  const config = loadConfig(opts, process.env);
  const store = await openStore(config.database);
  try {
    return await fn(new Accounts(store), store);
  } finally {
    await store.close();
  }
}

function nonNegativeInt(name: string, raw: string | undefined): number | null {
  if (raw === undefined) return null;
  if (!/^\d+$/.test(raw)) throw usageError(`${name} must be a whole number ≥ 0, got "${raw}"`);
  return Number(raw);
}

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('manage API keys and their accounts');

  storeOptions(keys.command('create').description('create an account and its API key'))
    .requiredOption('--name <name>', 'a name for the account/key')
    .option('--credits <n>', 'starting credit balance', '0')
    .option('--rate-limit <n>', 'requests per second allowed for this key')
    .option('--max-running <n>', "most of the account's tasks running at once (default: the server's GENQ_ACCOUNT_CONCURRENCY)")
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const credits = nonNegativeInt('--credits', opts.credits) ?? 0;
      const rateLimit = nonNegativeInt('--rate-limit', opts.rateLimit);
      const maxRunning = nonNegativeInt('--max-running', opts.maxRunning);
      const created = await withStore(opts, async (a, s) => {
        const made = await a.create({ name: opts.name, credits, rateLimit });
        if (maxRunning !== null) await s.setMaxRunning(made.account_id, maxRunning);
        return { ...made, max_running: maxRunning };
      });
      if (opts.json) {
        console.log(JSON.stringify(created));
      } else {
        console.log(`Created key for "${created.name}" (account ${created.account_id}).\n\n  ${created.key}\n`);
        console.log(`Webhook secret: ${created.webhook_secret}\nThe key is shown only now; genq stores only its hash.`);
      }
    });

  storeOptions(keys.command('topup').description('add credits to an account (negative to take some away); counts at once').argument('<account-id>').argument('<credits>'))
    .option('--note <text>', 'why, kept in the ledger')
    .option('--json', 'print JSON')
    .action(async (accountId: string, raw: string, opts) => {
      if (!/^-?\d+$/.test(raw) || Math.abs(Number(raw)) > 1e15) throw usageError(`<credits> must be a whole number, got "${raw}"`);
      const amount = Number(raw);
      const balance = await withStore(opts, (_a, s) => s.adjustCredits(accountId, amount, 'topup', opts.note ?? null, Date.now()).catch((e) => {
        if (e instanceof InsufficientCredits) throw usageError(`The account has ${e.balance} credits; it cannot go below zero`);
        throw e;
      }));
      if (balance === null) throw usageError(`No account "${accountId}"; see \`genq keys list\``);
      if (opts.json) console.log(JSON.stringify({ account_id: accountId, added: amount, credits_balance: balance }));
      else console.log(`Account ${accountId}: ${amount >= 0 ? 'added' : 'removed'} ${Math.abs(amount)} credits; balance ${balance}`);
    });

  storeOptions(keys.command('limit').description("set the most of an account's tasks running at once").argument('<account-id>').argument('<max-running|default>'))
    .action(async (accountId: string, raw: string, opts) => {
      const max = raw === 'default' ? null : nonNegativeInt('<max-running>', raw);
      if (!(await withStore(opts, (_a, s) => s.setMaxRunning(accountId, max)))) throw usageError(`No account "${accountId}"; see \`genq keys list\``);
      console.log(`Account ${accountId}: ${max === null ? "the server's default" : `at most ${max}`} running at once`);
    });

  storeOptions(keys.command('list').description('list API keys'))
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const list = await withStore(opts, (_a, s) => s.listKeys());
      if (opts.json) return console.log(JSON.stringify(list));
      printTable(list.map((k) => ({
        id: k.id, prefix: k.prefix + '…', name: k.name, account: k.account_id, rate_limit: k.rate_limit ?? '-',
        created: new Date(k.created_at).toISOString(), revoked: k.revoked_at ? new Date(k.revoked_at).toISOString() : '-',
      })));
    });

  storeOptions(keys.command('revoke').description('revoke a key by id or prefix').argument('<id-or-prefix>'))
    .option('--json', 'print JSON')
    .action(async (idOrPrefix: string, opts) => {
      const rec = await withStore(opts, (a) => a.revoke(idOrPrefix.replace(/…$/, '')));
      if (!rec) throw usageError(`No single key matches "${idOrPrefix}"; see \`genq keys list\``);
      if (opts.json) console.log(JSON.stringify(rec));
      else console.log(`Revoked key ${rec.id} (${rec.prefix}…)`);
    });
}
