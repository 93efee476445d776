#!/usr/bin/env node
/** The genq command line: a thin shell over the app (serve), the store (keys) and the API (tasks, tts). */
import { Command, CommanderError } from 'commander';
import { registerServe } from './commands/serve.js';
import { registerKeys } from './commands/keys.js';
import { registerTasks } from './commands/tasks.js';
import { registerTts } from './commands/tts.js';
import { registerStatus } from './commands/status.js';
import { registerCatalog } from './commands/catalog.js';
import { registerWebhooks } from './commands/webhooks.js';
import { reportError } from './errors.js';

const program = new Command('genq')
  .description('genq: asynchronous AI media generation server')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)');
registerServe(program);
registerKeys(program);
registerTasks(program);
registerTts(program);
registerStatus(program);
registerCatalog(program);
registerWebhooks(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  reportError(err, process.argv.includes('--json'));
  process.exit(1);
});
