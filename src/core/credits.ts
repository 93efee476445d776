/**
 * What tasks cost and what a finished task gives back. Pure: the store writes the ledger rows
 * these describe in the same transaction as the state change.
 */
import type { Price } from '../config.js';
import { GenqError } from './errors.js';
import { isTerminal, type Task, type TaskStatus } from './task.js';
import type { Settlement } from '../store/store.js';

/** a configured price for a model: a fixed part plus a part per started 100 characters of `input.text` */
export function priceOf(price: Price, input: Record<string, unknown>): number {
  const text = typeof input.text === 'string' ? input.text : '';
  const cost = price.per_task + price.per_100_chars * Math.ceil(text.length / 100);
  // a priced model never costs nothing because its text was empty
  return cost === 0 && (price.per_task > 0 || price.per_100_chars > 0) ? 1 : cost;
}

/**
 * The credits a task's move to `next.status` settles: none unless it has just finished. The
 * hold comes back whole; a success is then charged what it used, never more than was held.
 */
export function settlementFor(before: TaskStatus, next: Task): Settlement | undefined {
  if (isTerminal(before) || !isTerminal(next.status) || next.credits_reserved <= 0) return undefined;
  const charge = next.status === 'succeeded' ? Math.min(next.credits_used ?? 0, next.credits_reserved) : 0;
  return { release: next.credits_reserved, charge };
}

export const paymentRequired = (required: number, balance: number) =>
  new GenqError('PAYMENT_REQUIRED', `This needs ${required} credits and the account has ${balance}. Top up and try again; a top-up counts at once.`, {
    status: 402, type: 'payment_required', details: { required, balance },
  });
