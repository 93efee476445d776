/**
 * Credits on SQLite. Called inside GroupCommit's write transaction, so a ledger row, the
 * balance it changes and the task change that caused it commit together or not at all.
 */
import type { Statement } from 'better-sqlite3';
import type { NewTask } from '../../core/task.js';
import { InsufficientCredits, type LedgerEntry, type LedgerKind, type Settlement } from '../store.js';

type Q = (sql: string) => Statement;

function append(q: Q, accountId: string, taskId: string | null, kind: LedgerKind, amount: number, note: string | null, at: number): void {
  q('INSERT INTO credit_ledger (account_id, task_id, kind, amount, note, at) VALUES (?, ?, ?, ?, ?, ?)').run(accountId, taskId, kind, amount, note, at);
}

function move(q: Q, accountId: string, amount: number): void {
  q('UPDATE accounts SET credits_balance = credits_balance + ? WHERE id = ?').run(amount, accountId);
}

/** Holds each task's reservation; throws InsufficientCredits (rolling the caller's savepoint back) when an account cannot cover its tasks. */
export function holdFor(q: Q, tasks: NewTask[], at: number): void {
  const need = new Map<string, number>();
  for (const t of tasks) if (t.credits_reserved > 0) need.set(t.account_id, (need.get(t.account_id) ?? 0) + t.credits_reserved);
  for (const [accountId, required] of need) {
    const row = q('SELECT credits_balance FROM accounts WHERE id = ?').get(accountId) as { credits_balance: number } | undefined;
    const balance = row?.credits_balance ?? 0;
    if (balance < required) throw new InsufficientCredits(accountId, required, balance);
    move(q, accountId, -required);
  }
  for (const t of tasks) if (t.credits_reserved > 0) append(q, t.account_id, t.id, 'hold', -t.credits_reserved, null, at);
}

export function settle(q: Q, accountId: string, taskId: string, s: Settlement, at: number): void {
  if (s.release > 0 && s.charge > 0) {
    // a success: both rows in one statement (one of the costs on every finished task)
    q(`INSERT INTO credit_ledger (account_id, task_id, kind, amount, note, at) VALUES (?, ?, 'release', ?, NULL, ?), (?, ?, 'charge', ?, NULL, ?)`)
      .run(accountId, taskId, s.release, at, accountId, taskId, -s.charge, at);
  } else if (s.release > 0) append(q, accountId, taskId, 'release', s.release, null, at);
  else if (s.charge > 0) append(q, accountId, taskId, 'charge', -s.charge, null, at);
  if (s.release !== s.charge) move(q, accountId, s.release - s.charge);
}

export function adjust(q: Q, accountId: string, amount: number, kind: 'grant' | 'topup', note: string | null, at: number): number | null {
  const row = q('SELECT credits_balance FROM accounts WHERE id = ?').get(accountId) as { credits_balance: number } | undefined;
  if (!row) return null;
  if (row.credits_balance + amount < 0) throw new InsufficientCredits(accountId, -amount, row.credits_balance);
  if (amount !== 0) {
    move(q, accountId, amount);
    append(q, accountId, null, kind, amount, note, at);
  }
  return row.credits_balance + amount;
}

export function listLedger(q: Q, accountId: string, limit: number, beforeSeq?: number): LedgerEntry[] {
  return (beforeSeq === undefined
    ? q('SELECT * FROM credit_ledger WHERE account_id = ? ORDER BY seq DESC LIMIT ?').all(accountId, limit)
    : q('SELECT * FROM credit_ledger WHERE account_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?').all(accountId, beforeSeq, limit)) as LedgerEntry[];
}
