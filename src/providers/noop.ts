/**
 * A provider that does no media work, enabled only by GENQ_ENABLE_NOOP. Benchmarks use it to
 * measure the queue itself; tests use it to drive the worker through every path (slow tasks,
 * hangs that ignore abort, retryable and fatal failures, progress, file output).
 */
import { invalidInput, providerError } from '../core/errors.js';
import type { Provider } from './provider.js';

const FIELDS = new Set(['text', 'sleep_ms', 'fail', 'fail_attempts', 'steps', 'ignore_abort', 'write_file']);

function sleep(ms: number, signal: AbortSignal, ignoreAbort: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    if (ignoreAbort) return;
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason);
    }, { once: true });
  });
}

export const noopProvider: Provider = {
  id: 'noop',
  models: [{ id: 'noop', capability: 'voice', action: 'tts', description: 'Test model: does nothing, quickly (benchmarks and tests only)', timeout_s: 600 }],
  validate(_model, input) {
    for (const k of Object.keys(input)) if (!FIELDS.has(k)) throw invalidInput(`Unknown input field "${k}"`);
    const sleepMs = input.sleep_ms ?? 0;
    if (typeof sleepMs !== 'number' || sleepMs < 0 || sleepMs > 600_000) throw invalidInput('input.sleep_ms must be a number of milliseconds between 0 and 600000');
    if (input.fail !== undefined && input.fail !== 'retryable' && input.fail !== 'fatal') throw invalidInput('input.fail must be "retryable" or "fatal"');
    // steps without sleep_ms run in one synchronous loop: bound it, or one task freezes the server
    const intIn = (k: string, max: number) => {
      const v = input[k];
      if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max)) throw invalidInput(`input.${k} must be a whole number from 0 to ${max}`);
    };
    intIn('steps', 1000);
    intIn('fail_attempts', 100);
    for (const k of ['ignore_abort', 'write_file']) if (input[k] !== undefined && typeof input[k] !== 'boolean') throw invalidInput(`input.${k} must be true or false`);
    if (input.text !== undefined && (typeof input.text !== 'string' || input.text.length > 100_000)) throw invalidInput('input.text must be a string of at most 100000 characters');
    return { ...input };
  },
  estimate: () => 1,
  async run(task, ctx) {
    const input = task.input as { sleep_ms?: number; fail?: string; fail_attempts?: number; steps?: number; ignore_abort?: boolean; write_file?: boolean; text?: string };
    const steps = Math.max(1, input.steps ?? 1);
    for (let i = 1; i <= steps; i++) {
      if (input.sleep_ms) await sleep(input.sleep_ms / steps, ctx.signal, input.ignore_abort === true);
      if (steps > 1) ctx.progress(i / steps);
    }
    const failing = input.fail && (input.fail_attempts === undefined || task.attempts <= input.fail_attempts);
    if (failing) throw providerError(`noop failed on attempt ${task.attempts} as asked`, input.fail === 'retryable');
    const files = input.write_file
      ? [await ctx.writeFile({ name: 'out.txt', data: new TextEncoder().encode(input.text ?? 'noop'), format: 'txt', content_type: 'text/plain' })]
      : [];
    return { result: { files } };
  },
};
