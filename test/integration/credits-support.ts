/**
 * Support for the credit tests: the ledger as the API shows it, the database as it is on disk
 * (SQLite read-only, or PostgreSQL), the invariants a correct ledger always satisfies, and a
 * seeded PRNG for the chaos test.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { cli, TERMINAL, type Api } from '../helpers/server.js';

export interface LedgerRow {
  seq: number;
  account_id: string;
  task_id: string | null;
  kind: 'grant' | 'topup' | 'hold' | 'release' | 'charge';
  amount: number;
  note: string | null;
}

export interface TaskRow {
  id: string;
  account_id: string;
  status: string;
  credits_reserved: number;
  credits_used: number | null;
  idempotency_key: string | null;
}

/** What the credit invariants are checked against: every account, ledger row and task. */
export interface Snapshot {
  accounts: Array<{ id: string; credits_balance: number }>;
  ledger: LedgerRow[];
  tasks: TaskRow[];
}

export const noop = (input: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  ({ capability: 'voice', action: 'tts', model: 'noop', input, ...extra });

export async function balanceOf(api: Api): Promise<number> {
  const r = await api.get('/v1/account');
  if (r.status !== 200) throw new Error(`GET /v1/account answered ${r.status}: ${r.text}`);
  return r.body.credits_balance as number;
}

/** every ledger row of the calling account (API shape), newest first, following next_cursor */
export async function ledgerOf(api: Api, pageSize = 500): Promise<Array<Omit<LedgerRow, 'account_id'> & { at: string }>> {
  const out: Array<Omit<LedgerRow, 'account_id'> & { at: string }> = [];
  let cursor: string | null = null;
  for (;;) {
    const r = await api.get(`/v1/account/ledger?limit=${pageSize}${cursor ? `&cursor=${cursor}` : ''}`);
    if (r.status !== 200) throw new Error(`GET /v1/account/ledger answered ${r.status}: ${r.text}`);
    out.push(...r.body.data);
    if (!r.body.has_more) return out;
    cursor = r.body.next_cursor;
  }
}

/** the ledger rows of one task, oldest first, as `kind amount` strings: easy to compare whole */
export async function movementsOf(api: Api, taskId: string): Promise<string[]> {
  return (await ledgerOf(api)).filter((e) => e.task_id === taskId).reverse().map((e) => `${e.kind} ${e.amount}`);
}

export const sum = (xs: Array<{ amount: number }>) => xs.reduce((n, x) => n + x.amount, 0);

export async function topup(target: { dataDir?: string; database?: string }, accountId: string, credits: number, note?: string) {
  const where = target.database ? ['--database', target.database] : ['--data-dir', target.dataDir!];
  return cli(['keys', 'topup', accountId, String(credits), '--json', ...where, ...(note ? ['--note', note] : [])]);
}

/** `genq keys create` against a PostgreSQL URL (the harness's makeKey takes a data dir) */
export async function makeKeyOn(database: string, credits: number, name = 'credits'): Promise<{ key: string; account_id: string }> {
  const r = await cli(['keys', 'create', '--name', name, '--credits', String(credits), '--json', '--database', database]);
  if (r.code !== 0) throw new Error(`keys create failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

// ---------------------------------------------------------------------------------------------
// the database itself

const TASK_COLS = 'id, account_id, status, credits_reserved, credits_used, idempotency_key';

/** Reads the server's SQLite file read-only (safe while a server still has it open: WAL). */
export function sqliteSnapshot(dataDir: string): Snapshot {
  const db = new Database(path.join(dataDir, 'genq.db'), { readonly: true, fileMustExist: true });
  try {
    return {
      accounts: db.prepare('SELECT id, credits_balance FROM accounts').all() as Snapshot['accounts'],
      ledger: db.prepare('SELECT seq, account_id, task_id, kind, amount, note FROM credit_ledger ORDER BY seq').all() as LedgerRow[],
      tasks: db.prepare(`SELECT ${TASK_COLS} FROM tasks`).all() as TaskRow[],
    };
  } finally {
    db.close();
  }
}

export async function postgresSnapshot(url: string): Promise<Snapshot> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    // bigint columns come back as strings from pg: cast to int for plain numbers
    const accounts = await c.query('SELECT id, credits_balance::int8::float8 AS credits_balance FROM accounts');
    const ledger = await c.query('SELECT seq::float8 AS seq, account_id, task_id, kind, amount::float8 AS amount, note FROM credit_ledger ORDER BY seq');
    const tasks = await c.query(`SELECT id, account_id, status, credits_reserved::float8 AS credits_reserved, credits_used::float8 AS credits_used, idempotency_key FROM tasks`);
    return { accounts: accounts.rows, ledger: ledger.rows, tasks: tasks.rows };
  } finally {
    await c.end();
  }
}

/**
 * Everything that must hold of credits, whatever crashed when: each account's balance is the
 * sum of its ledger; each task is held once (its reservation), and once finished released once
 * and charged at most once (a success exactly once, its credits_used); nothing unfinished is
 * settled; no ledger row names a task that is not there. Returns what does not hold.
 */
export function ledgerViolations(s: Snapshot): string[] {
  const bad: string[] = [];
  const tasks = new Map(s.tasks.map((t) => [t.id, t]));
  const rowsOf = new Map<string, LedgerRow[]>();
  for (const e of s.ledger) {
    if (e.task_id === null) {
      if (e.kind !== 'grant' && e.kind !== 'topup') bad.push(`ledger ${e.seq}: a ${e.kind} without a task`);
      continue;
    }
    if (e.kind === 'grant' || e.kind === 'topup') bad.push(`ledger ${e.seq}: a ${e.kind} naming task ${e.task_id}`);
    const t = tasks.get(e.task_id);
    if (!t) bad.push(`ledger ${e.seq}: ${e.kind} ${e.amount} names task ${e.task_id}, which does not exist`);
    else if (t.account_id !== e.account_id) bad.push(`ledger ${e.seq}: task ${e.task_id} belongs to ${t.account_id}, the row to ${e.account_id}`);
    rowsOf.set(e.task_id, [...(rowsOf.get(e.task_id) ?? []), e]);
  }
  for (const a of s.accounts) {
    const total = sum(s.ledger.filter((e) => e.account_id === a.id));
    if (total !== a.credits_balance) bad.push(`account ${a.id}: balance ${a.credits_balance}, ledger sums to ${total}`);
    if (a.credits_balance < 0) bad.push(`account ${a.id}: negative balance ${a.credits_balance}`);
  }
  for (const t of s.tasks) {
    const rows = rowsOf.get(t.id) ?? [];
    const of = (k: LedgerRow['kind']) => rows.filter((e) => e.kind === k);
    const [holds, releases, charges] = [of('hold'), of('release'), of('charge')];
    const what = `task ${t.id} (${t.status}, reserved ${t.credits_reserved}, used ${t.credits_used})`;
    if (t.credits_reserved > 0) {
      if (holds.length !== 1 || holds[0]!.amount !== -t.credits_reserved) bad.push(`${what}: holds ${JSON.stringify(holds.map((e) => e.amount))}, want [${-t.credits_reserved}]`);
    } else if (rows.length > 0) {
      bad.push(`${what}: nothing reserved but ledger rows ${JSON.stringify(rows.map((e) => `${e.kind} ${e.amount}`))}`);
    }
    if (!TERMINAL.has(t.status)) {
      if (releases.length + charges.length > 0) bad.push(`${what}: unfinished but already settled`);
      continue;
    }
    if (t.credits_reserved > 0 && (releases.length !== 1 || releases[0]!.amount !== t.credits_reserved)) {
      bad.push(`${what}: releases ${JSON.stringify(releases.map((e) => e.amount))}, want [${t.credits_reserved}]`);
    }
    if (charges.length > 1) bad.push(`${what}: charged ${charges.length} times`);
    if (t.status === 'succeeded' && t.credits_reserved > 0) {
      if (charges.length !== 1 || charges[0]!.amount !== -(t.credits_used ?? 0)) bad.push(`${what}: charges ${JSON.stringify(charges.map((e) => e.amount))}, want [${-(t.credits_used ?? 0)}]`);
      if ((t.credits_used ?? 0) > t.credits_reserved) bad.push(`${what}: used more than it held`);
    } else if (charges.length > 0 || (t.credits_used ?? 0) !== 0) {
      bad.push(`${what}: not a success, yet charged ${JSON.stringify(charges.map((e) => e.amount))}`);
    }
  }
  return bad;
}

/** grants + top-ups − charges − holds still outstanding: what each account's balance must be */
export function expectedBalances(s: Snapshot): Map<string, number> {
  const out = new Map<string, number>(s.accounts.map((a) => [a.id, 0]));
  const tasks = new Map(s.tasks.map((t) => [t.id, t]));
  for (const e of s.ledger) {
    let delta = 0;
    if (e.kind === 'grant' || e.kind === 'topup' || e.kind === 'charge') delta = e.amount;
    else if (e.kind === 'hold') {
      const t = e.task_id ? tasks.get(e.task_id) : undefined;
      if (t && !TERMINAL.has(t.status)) delta = e.amount;
    }
    out.set(e.account_id, (out.get(e.account_id) ?? 0) + delta);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

/** mulberry32: a small seeded PRNG, so a failing chaos run can be replayed with its seed */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
