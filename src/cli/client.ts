/** The CLI talks to a server through the SDK (genq/sdk): same errors, retries and waiting as any client. */
import type { Command } from 'commander';
import { Genq } from '../sdk/index.js';
import { loadClientConfig } from '../config.js';
import { usageError } from './output.js';

export const clientOptions = (c: Command) =>
  c
    .option('--url <url>', 'genq server (GENQ_URL, default http://127.0.0.1:8080)')
    .option('--api-key <key>', 'API key (GENQ_API_KEY)')
    .option('--json', 'print JSON (errors go to stderr as JSON too)');

export function clientFrom(opts: { url?: string; apiKey?: string }): Genq {
  const cfg = loadClientConfig(opts, process.env);
  if (!cfg.apiKey) throw usageError('No API key: pass --api-key sk_… or set GENQ_API_KEY (make one with `genq keys create --name me --credits 1000`)');
  return new Genq({ baseUrl: cfg.url, apiKey: cfg.apiKey });
}

/** Fetches a result file (its URL is signed, so no key is sent). */
export async function download(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw usageError(`Download failed (${res.status}): ${(await res.text()).slice(0, 200)}`);
  return new Uint8Array(await res.arrayBuffer());
}
