/** `genq voices`, `genq models`, `genq account`: what the server offers and who you are. */
import type { Command } from 'commander';
import { clientFrom, clientOptions } from '../client.js';
import { printTable } from '../output.js';

export function registerCatalog(program: Command): void {
  clientOptions(program.command('voices').description('voices you can use (built-in and your own)'))
    .option('--language <code>', 'only this language, e.g. de-DE')
    .action(async (opts) => {
      const voices = (await clientFrom(opts).voices.list()).filter((v) => !opts.language || v.language.toLowerCase() === String(opts.language).toLowerCase());
      if (opts.json) return console.log(JSON.stringify(voices));
      printTable(voices.map((v) => ({ id: v.id, name: v.name, language: v.language, gender: v.gender ?? '-', owner: v.owner })));
    });

  clientOptions(program.command('models').description('models this server runs')).action(async (opts) => {
    const models = await clientFrom(opts).models.list();
    if (opts.json) return console.log(JSON.stringify(models));
    printTable(models.map((m) => ({ id: m.id, capability: m.capability, action: m.action, default: m.default ? 'yes' : '', provider: m.provider })));
  });

  clientOptions(program.command('account').description('your account and credit balance')).action(async (opts) => {
    const a = await clientFrom(opts).account.get();
    if (opts.json) return console.log(JSON.stringify(a));
    console.log(`${a.name} (${a.id})\ncredits: ${a.credits_balance}\nkey: ${a.key.name} ${a.key.prefix}…${a.key.rate_limit ? `, ${a.key.rate_limit} req/s` : ''}`);
  });
}
