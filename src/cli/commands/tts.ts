import fs from 'node:fs/promises';
import type { Command } from 'commander';
import { clientFrom, clientOptions, download } from '../client.js';
import { usageError } from '../output.js';
import { parseTimeout, waitWithProgress } from '../progress.js';

export function registerTts(program: Command): void {
  clientOptions(program.command('tts').argument('<text>', 'what to say ("-" reads stdin)').description('synthesize speech and save it'))
    .option('-o, --output <file>', 'where to write the audio ("-" for stdout)', 'speech.wav')
    .option('--voice <id>', 'voice id (see genq voices)')
    .option('--language <code>', 'language, e.g. en-US')
    .option('--speed <x>', 'speaking rate multiplier, 0.5–2')
    .option('--pitch <x>', 'pitch multiplier, 0.5–2')
    .option('--model <id>', 'model id (see genq models)')
    .option('--timeout <s>', 'stop waiting after this many seconds (the task keeps running)')
    .action(async (textArg: string, opts) => {
      const timeoutS = parseTimeout(opts.timeout);
      const text = textArg === '-' ? await readStdin() : textArg;
      const input: Record<string, unknown> = { text };
      if (opts.voice) input.voice = opts.voice;
      if (opts.language) input.language = opts.language;
      for (const k of ['speed', 'pitch'] as const) {
        if (opts[k] === undefined) continue;
        const n = Number(opts[k]);
        if (!Number.isFinite(n)) throw usageError(`--${k} must be a number`);
        input[k] = n;
      }
      const genq = clientFrom(opts);
      const created = await genq.tasks.create({ capability: 'voice', action: 'tts', ...(opts.model ? { model: opts.model } : {}), input });
      if (!opts.json) process.stderr.write(`task ${created.id}\n`);
      const task = await waitWithProgress(genq, created.id, { json: opts.json, timeoutS });
      const file = task.result?.files[0];
      if (task.status !== 'succeeded' || !file) {
        process.exitCode = 1;
        if (opts.json) return console.log(JSON.stringify(task));
        return console.error(`task ${task.status}: ${task.error?.code ?? ''} ${task.error?.message ?? ''}`.trim());
      }
      const audio = await download(file.url);
      if (opts.output === '-') process.stdout.write(audio);
      else await fs.writeFile(opts.output, audio);
      if (opts.json && opts.output !== '-') console.log(JSON.stringify({ task_id: task.id, output: opts.output, ...file }));
      else if (!opts.json) console.error(`wrote ${opts.output === '-' ? 'stdout' : opts.output} (${file.size_bytes} bytes, ${file.duration_s?.toFixed(2) ?? '?'} s)`);
    });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
