/**
 * Group commit for task creation. insertTasks() calls that arrive within one turn of the event
 * loop are written by ONE statement — a multi-row INSERT fed by unnest() of one array per
 * column, with the events appended by the same statement — and so share one commit and one
 * WAL flush. Each call stays all-or-nothing on its own:
 *
 * - rows that hit a unique index (a reused idempotency key, a duplicate id) are skipped by
 *   ON CONFLICT DO NOTHING; a call that lost any row fails, and rows it did get in are removed
 *   again inside the same transaction, so nobody ever sees half of it;
 * - any other error (bad data) makes the batch retry each call alone, so one bad call cannot
 *   fail its neighbours.
 *
 * When every call in a batch is a single task (the usual case: one POST, one task) no
 * cleanup can be needed, so the statement runs on its own without BEGIN/COMMIT: one round trip.
 */
import type pg from 'pg';
import type { NewTask, Task } from '../../core/task.js';
import { mapPgError, retryTransient } from './connection.js';
import { InsufficientCredits } from '../store.js';
import { TASK_COLUMNS, param } from './rows.js';

interface Call {
  tasks: NewTask[];
  event: string;
  resolve: (t: Task[]) => void;
  reject: (e: unknown) => void;
}

const COLS = TASK_COLUMNS.map(([c]) => c).join(', ');
const UNNEST_ARGS = TASK_COLUMNS.map(([, type], i) => `$${i + 1}::${type === 'json' ? 'text' : type}[]`).join(', ');
const SELECT_COLS = TASK_COLUMNS.map(([c, type]) => (type === 'json' ? `u.${c}::json` : `u.${c}`)).join(', ');
const EVENT_ARG = `$${TASK_COLUMNS.length + 1}::text[]`;
const AT_ARG = `$${TASK_COLUMNS.length + 2}::bigint`;

const INSERT_SQL = `
WITH u AS (
  SELECT * FROM unnest(${UNNEST_ARGS}, ${EVENT_ARG}) WITH ORDINALITY AS u(${COLS}, event, ord)
), ins AS (
  INSERT INTO tasks (${COLS})
  SELECT ${SELECT_COLS} FROM u ORDER BY u.ord
  ON CONFLICT DO NOTHING
  RETURNING id, run_id, status, progress
), ev AS (
  INSERT INTO task_events (task_id, type, status, progress, at)
  SELECT ins.id, u.event, ins.status, ins.progress, ${AT_ARG} FROM ins JOIN u ON u.id = ins.id ORDER BY ins.run_id
), hold AS (
  INSERT INTO credit_ledger (account_id, task_id, kind, amount, at)
  SELECT u.account_id, ins.id, 'hold', -u.credits_reserved, ${AT_ARG} FROM ins JOIN u ON u.id = ins.id WHERE u.credits_reserved > 0
), debit AS (
  -- only rows actually inserted are held; an overdraft trips accounts_credits_nonnegative and fails the statement
  UPDATE accounts a SET credits_balance = a.credits_balance - s.amount
  FROM (SELECT u.account_id, sum(u.credits_reserved) AS amount FROM ins JOIN u ON u.id = ins.id
        WHERE u.credits_reserved > 0 GROUP BY u.account_id) s
  WHERE a.id = s.account_id
)
SELECT id, run_id FROM ins`;

const OVERDRAFT = 'accounts_credits_nonnegative';
const isOverdraft = (e: unknown) => (e as { code?: string; constraint?: string })?.code === '23514' && (e as { constraint?: string }).constraint === OVERDRAFT;

/** the same message shape PostgreSQL uses, so callers that look for "unique" recognise it */
export class UniqueViolation extends Error {
  readonly code = '23505';
  constructor(what: string) {
    super(`duplicate key value violates unique constraint (${what})`);
  }
}

export class InsertBatcher {
  private queue: Call[] = [];
  private scheduled = false;
  private inFlight = 0;
  private idle: Array<() => void> = [];

  constructor(
    private readonly pool: pg.Pool,
    private readonly afterCommit: () => void,
    private readonly maxRows = 5000,
    private readonly maxInFlight = 4,
  ) {}

  insert(tasks: NewTask[], event: string): Promise<Task[]> {
    if (tasks.length === 0) return Promise.resolve([]);
    return new Promise<Task[]>((resolve, reject) => {
      this.queue.push({ tasks, event, resolve, reject });
      this.schedule();
    });
  }

  /** resolves once nothing is queued or being written */
  drained(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0 && this.inFlight < this.maxInFlight) {
      const batch: Call[] = [];
      let rows = 0;
      while (this.queue.length > 0 && (batch.length === 0 || rows + this.queue[0]!.tasks.length <= this.maxRows)) {
        const c = this.queue.shift()!;
        batch.push(c);
        rows += c.tasks.length;
      }
      this.inFlight += 1;
      void this.write(batch).finally(() => {
        this.inFlight -= 1;
        if (this.queue.length > 0) this.pump();
        else if (this.inFlight === 0) for (const r of this.idle.splice(0)) r();
      });
    }
  }

  private async write(batch: Call[]): Promise<void> {
    // a duplicate id inside the batch would make ON CONFLICT attribute rows ambiguously: fail those calls up front
    const seen = new Set<string>();
    const ok: Call[] = [];
    for (const c of batch) {
      const ids = c.tasks.map((t) => t.id);
      if (ids.some((id) => seen.has(id)) || new Set(ids).size !== ids.length) {
        c.reject(new UniqueViolation('tasks_pkey'));
        continue;
      }
      for (const id of ids) seen.add(id);
      ok.push(c);
    }
    if (ok.length === 0) return;
    try {
      const outcome = await this.run(ok);
      this.settle(ok, outcome);
    } catch (e) {
      const mapped = mapPgError(e);
      if (ok.length === 1 && isOverdraft(e)) return ok[0]!.reject(await this.insufficient(ok[0]!));
      if (ok.length === 1 || mapped !== e) {
        for (const c of ok) c.reject(mapped);
        return;
      }
      // bad data or an overdraft in one call: write each alone so the others still land
      for (const c of ok) {
        try {
          this.settle([c], await this.run([c]));
        } catch (err) {
          c.reject(isOverdraft(err) ? await this.insufficient(c) : mapPgError(err));
        }
      }
    }
  }

  /** writes the calls; returns run_id per inserted id and the calls that lost a row (already rolled back) */
  private async run(calls: Call[]): Promise<{ runIds: Map<string, number>; failed: Set<Call> }> {
    return retryTransient(() => this.runOnce(calls));
  }

  private async runOnce(calls: Call[]): Promise<{ runIds: Map<string, number>; failed: Set<Call> }> {
    const rows = calls.flatMap((c) => c.tasks.map((t) => ({ t, event: c.event })));
    const params: unknown[] = TASK_COLUMNS.map(([c]) => rows.map((r) => param(r.t, c)));
    params.push(rows.map((r) => r.event), Date.now());
    const single = calls.every((c) => c.tasks.length === 1);
    const client = await this.pool.connect();
    let broken: Error | undefined;
    let failed = new Set<Call>();
    let runIds = new Map<string, number>();
    try {
      if (!single) await client.query('BEGIN');
      const res = await client.query<{ id: string; run_id: number }>({ name: 'genq_insert_tasks', text: INSERT_SQL, values: params });
      runIds = new Map(res.rows.map((r) => [r.id, r.run_id]));
      failed = new Set(calls.filter((c) => c.tasks.some((t) => !runIds.has(t.id))));
      if (!single) await client.query(failed.size > 0 ? 'ROLLBACK' : 'COMMIT');
    } catch (e) {
      broken = e as Error;
      if (!single) await client.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      // a connection that failed mid-transaction is not reused
      client.release(broken);
    }
    if (single || failed.size === 0) return { runIds, failed };
    // a call that lost a row must leave nothing behind, its holds included (the ledger is
    // append-only: they cannot be deleted afterwards), so the whole statement was undone;
    // write the calls that got every row in again
    const rest = calls.filter((c) => !failed.has(c));
    const again = rest.length > 0 ? await this.runOnce(rest) : { runIds: new Map<string, number>(), failed: new Set<Call>() };
    return { runIds: again.runIds, failed: new Set([...failed, ...again.failed]) };
  }

  /** what a call that overdrew its account is told: how much it needed and what there is */
  private async insufficient(c: Call): Promise<unknown> {
    const accountId = c.tasks[0]!.account_id;
    const required = c.tasks.reduce((n, t) => n + t.credits_reserved, 0);
    try {
      const { rows } = await this.pool.query<{ b: string }>('SELECT credits_balance AS b FROM accounts WHERE id = $1', [accountId]);
      return new InsufficientCredits(accountId, required, Number(rows[0]?.b ?? 0));
    } catch (e) {
      return mapPgError(e);
    }
  }

  private settle(calls: Call[], { runIds, failed }: { runIds: Map<string, number>; failed: Set<Call> }): void {
    let any = false;
    for (const c of calls) {
      if (failed.has(c)) {
        c.reject(new UniqueViolation('an idempotency key or task id is already in use'));
        continue;
      }
      any = true;
      c.resolve(c.tasks.map((t) => ({ ...t, run_id: runIds.get(t.id)!, version: 1 })));
    }
    if (any) this.afterCommit();
  }
}
