#!/usr/bin/env node
/** The genq command line: a thin shell over the app (serve), the store (keys) and the API (tasks, tts). */
import { Command, CommanderError } from 'commander';
import { registerServe } from './commands/serve.js';
import { registerKeys } from './commands/keys.js';
import { registerTasks } from './commands/tasks.js';
import { registerTts } from './commands/tts.js';
import { ApiError } from './http-client.js';
import { UsageError } from './output.js';
import { ConfigError } from '../config.js';

const program = new Command('genq')
  .description('genq: asynchronous AI media generation server')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)');
registerServe(program);
registerKeys(program);
registerTasks(program);
registerTts(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  if (err instanceof ApiError) console.error(`error: ${err.code}: ${err.message}`);
  else if (err instanceof UsageError || err instanceof ConfigError) console.error(`error: ${err.message}`);
  else console.error(`error: ${(err as Error)?.message ?? err}`);
  process.exit(1);
});
