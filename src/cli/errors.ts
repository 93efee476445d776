/**
 * How the CLI reports a failure: the API's code and message, plus what to do about it. With
 * --json the same goes to stderr as `{"error":{…}}`, so stdout holds only results.
 */
import { GenqApiError, GenqConnectionError, GenqError } from '../sdk/index.js';
import { ConfigError } from '../config.js';
import { UsageError } from './output.js';

const HINTS: Record<string, string> = {
  UNAUTHORIZED: 'Check --api-key or GENQ_API_KEY; `genq keys create --name me --credits 1000` makes a key.',
  TASK_NOT_FOUND: 'Check the id: `genq tasks list` shows your tasks (another account’s tasks are invisible).',
  PAYMENT_REQUIRED: 'The account is out of credits: `genq account` shows the balance.',
  INSUFFICIENT_CREDITS: 'The account is out of credits: `genq account` shows the balance.',
  UNKNOWN_MODEL: '`genq models` lists the models this server runs.',
  RATE_LIMITED: 'The server is limiting this key; the CLI already retried. Try again in a little while.',
  UNAVAILABLE: 'The server is busy or shutting down; the CLI already retried. Try again shortly.',
  CONNECTION_ERROR: 'Is `genq serve` running there? Point the CLI at it with --url or GENQ_URL.',
};

export function reportError(err: unknown, json: boolean): void {
  let code = 'ERROR';
  let message = (err as Error)?.message ?? String(err);
  let status: number | undefined;
  if (err instanceof GenqApiError) {
    code = err.code;
    status = err.status;
  } else if (err instanceof GenqConnectionError || err instanceof GenqError) {
    code = err.code;
  } else if (err instanceof UsageError || err instanceof ConfigError) {
    code = 'USAGE';
  }
  const hint = HINTS[code];
  if (json) {
    process.stderr.write(`${JSON.stringify({ error: { code, message, ...(status ? { status } : {}), ...(hint ? { hint } : {}) } })}\n`);
    return;
  }
  if (code === 'USAGE' || code === 'ERROR') console.error(`error: ${message}`);
  else console.error(`error: ${code}: ${message}`);
  if (hint) console.error(`hint: ${hint}`);
  if (err instanceof GenqApiError && err.details) console.error(`details: ${JSON.stringify(err.details)}`);
}
