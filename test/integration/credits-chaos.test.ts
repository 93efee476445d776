/**
 * Credits under kill -9: 500 noop tasks (successes, failures, retried successes, exhausted
 * retries, client cancellations) are submitted concurrently by two accounts while the server
 * is killed with SIGKILL at random moments (a seeded PRNG: set GENQ_CHAOS_SEED to replay a run)
 * and restarted on the same data and port. The client does what a real one must: when a
 * create's connection drops it sends the create again with the same Idempotency-Key. Top-ups
 * land in between. Afterwards, read straight from the database: every balance is the sum of
 * its ledger and equals grants + top-ups − charges, every task is held once, released once and
 * charged at most once (a success exactly once), and no key made two tasks.
 *
 * Runs on SQLite, and on PostgreSQL when it is reachable.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Api, makeKey, sleep, start, stopAll, TERMINAL, tempDir, type GenqServer, type StartOptions } from '../helpers/server.js';
import { describePostgres } from '../helpers/postgres.js';
import { ledgerViolations, makeKeyOn, noop, postgresSnapshot, prng, sqliteSnapshot, topup, type Snapshot } from './credits-support.js';

afterAll(stopAll);

const SEED = Number(process.env.GENQ_CHAOS_SEED ?? 20261125);
const TOTAL = 500;
const IN_FLIGHT = 24;
const GRANT = 5000;
// one credit per task plus one per started 100 characters of text: holds of 1 to 5
const ENV = {
  GENQ_ENABLE_NOOP: '1', GENQ_LEASE_MS: '1500', GENQ_RETRY_BASE_MS: '50', GENQ_CONCURRENCY: '32',
  GENQ_PRICES: JSON.stringify({ noop: { per_task: 1, per_100_chars: 1 } }),
};

type Kind = 'ok' | 'fatal' | 'retry-ok' | 'retry-exhausted' | 'cancel';
interface Plan {
  i: number;
  account: 0 | 1;
  kind: Kind;
  key: string;
  body: Record<string, unknown>;
  cancelAfterMs: number;
}

function plan(rand: () => number, runTag: string): Plan[] {
  const pick = (ms: number) => Math.floor(rand() * ms);
  return Array.from({ length: TOTAL }, (_, i) => {
    const r = rand();
    const kind: Kind = r < 0.45 ? 'ok' : r < 0.6 ? 'fatal' : r < 0.7 ? 'retry-ok' : r < 0.8 ? 'retry-exhausted' : 'cancel';
    const text = 'x'.repeat(pick(420));
    const input: Record<string, unknown> =
      kind === 'ok' ? { sleep_ms: pick(200), text }
        : kind === 'fatal' ? { sleep_ms: pick(100), fail: 'fatal', text }
          : kind === 'retry-ok' ? { sleep_ms: pick(100), fail: 'retryable', fail_attempts: 1, text }
            : kind === 'retry-exhausted' ? { sleep_ms: pick(50), fail: 'retryable', text }
              : { sleep_ms: 3000 + pick(5000), text };
    return { i, account: rand() < 0.5 ? 0 : 1, kind, key: `chaos-${runTag}-${i}`, body: noop(input, { metadata: { i, kind } }), cancelAfterMs: pick(500) };
  });
}

interface Target {
  name: string;
  env: Record<string, string>;
  dataDir: string;
  makeKey(credits: number): Promise<{ key: string; account_id: string }>;
  topup(accountId: string, credits: number): Promise<boolean>;
  snapshot(): Promise<Snapshot>;
}

/** a dropped connection, a refused one, or a timeout: the client tries again */
const transient = (e: unknown) => e instanceof TypeError || (e as Error)?.name === 'TimeoutError' || (e as Error)?.name === 'AbortError';

async function chaos(target: Target, expect: typeof import('vitest').expect): Promise<void> {
  const rand = prng(SEED);
  const plans = plan(rand, target.name);
  const keys = [await target.makeKey(GRANT), await target.makeKey(GRANT)];
  const opts: StartOptions = { dataDir: target.dataDir, env: target.env };
  let server: GenqServer = await start(opts);
  opts.port = server.port; // every restart comes back on the same address: the clients keep their URL
  const apis = keys.map((k) => new Api(server.url, k.key));
  const servers: GenqServer[] = [server];

  const answers = new Map<string, Set<string>>(); // idempotency key → every task id the server answered with
  const statusCounts: Record<string, number> = {};
  const serverErrors: string[] = [];
  const topups: Array<{ account: number; credits: number }> = [];
  let dropped = 0;
  let created = 0;
  let inFlight = 0;
  const count = (k: string) => (statusCounts[k] = (statusCounts[k] ?? 0) + 1);

  /** one request, sent again until the server answers it with something other than a 5xx */
  async function send(api: Api, method: string, path: string, body: unknown, headers: Record<string, string> = {}) {
    const deadline = Date.now() + 60_000;
    for (let attempt = 0; ; attempt++) {
      if (Date.now() > deadline) throw new Error(`${method} ${path} got no answer for 60 s`);
      try {
        const r = await api.request(method, path, { ...(body === undefined ? {} : { body }), headers, allowServerError: true });
        if (r.status < 500) return r;
        serverErrors.push(`${method} ${path} → ${r.status} ${r.text.slice(0, 200)}`);
      } catch (e) {
        if (!transient(e)) throw e;
        dropped++;
      }
      await sleep(20 + Math.min(500, 25 * 2 ** attempt) * Math.random());
    }
  }

  async function submit(p: Plan): Promise<void> {
    const api = apis[p.account]!;
    inFlight++;
    let id: string;
    try {
      const r = await send(api, 'POST', '/v1/tasks', p.body, { 'idempotency-key': p.key });
      count(`create ${r.status}`);
      if (r.status !== 202 && r.status !== 200) throw new Error(`create ${p.key} answered ${r.status}: ${r.text}`);
      id = r.body.id;
      answers.set(p.key, (answers.get(p.key) ?? new Set()).add(id));
      created++;
    } finally {
      inFlight--;
    }
    if (p.kind !== 'cancel') return;
    await sleep(p.cancelAfterMs);
    const c = await send(api, 'POST', `/v1/tasks/${id}/cancel`, undefined);
    count(`cancel ${c.status}`);
    if (c.status !== 200 && c.status !== 409) throw new Error(`cancel ${id} answered ${c.status}: ${c.text}`);
  }

  // the killer: 3–5 SIGKILLs, each once submission has passed a random point, after a random pause
  const kills = 3 + Math.floor(rand() * 3);
  const thresholds = Array.from({ length: kills }, () => Math.floor(TOTAL * (0.05 + 0.85 * rand()))).sort((a, b) => a - b);
  const topupAt = [Math.floor(TOTAL * rand()), Math.floor(TOTAL * rand())];
  const killLog: Array<{ created: number; inFlight: number }> = [];
  const restartMs: number[] = [];
  let submitting = true;
  const killer = (async () => {
    for (const at of thresholds) {
      while (created < at && submitting) await sleep(5);
      await sleep(Math.floor(rand() * 300));
      killLog.push({ created, inFlight });
      server.kill('SIGKILL');
      expect((await server.exit).signal).toBe('SIGKILL');
      await sleep(Math.floor(rand() * 300)); // down for a moment: creates are refused and retried
      const up = Date.now();
      server = await start(opts);
      restartMs.push(Date.now() - up);
      servers.push(server);
    }
  })();
  const topper = (async () => {
    for (const [n, at] of topupAt.entries()) {
      while (created < at && submitting) await sleep(5);
      const credits = 1 + Math.floor(rand() * 50);
      // the CLI writes to the store directly: it works whether the server is up or down
      if (await target.topup(keys[n % 2]!.account_id, credits)) topups.push({ account: n % 2, credits });
    }
  })();

  const t0 = Date.now();
  let next = 0;
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < plans.length) await submit(plans[next++]!);
  }));
  submitting = false;
  await Promise.all([killer, topper]);
  const submittedMs = Date.now() - t0;

  // every task finishes on the last server (leases of killed runs expire after GENQ_LEASE_MS)
  const deadline = Date.now() + 45_000;
  for (;;) {
    const open = (await Promise.all(apis.map((a) => a.get('/v1/tasks?status=pending,queued,running&limit=1')))).some((r) => r.body.data.length > 0);
    if (!open) break;
    if (Date.now() > deadline) throw new Error('tasks still unfinished 45 s after the last create');
    await sleep(200);
  }
  const finishedMs = Date.now() - t0;
  await server.stop();

  const snap = await target.snapshot();
  const summary = { seed: SEED, submittedMs, finishedMs, restartMs, kills: killLog, topups, dropped, statusCounts, serverErrors };
  console.log(`chaos ${target.name}: ${JSON.stringify(summary)}`);

  // the chaos really happened: every kill landed while creates were still being sent
  expect(servers).toHaveLength(kills + 1);
  expect(killLog.filter((k) => k.created < TOTAL && k.inFlight > 0).length).toBeGreaterThan(0);
  expect(dropped).toBeGreaterThan(0);

  // exactly one task per idempotency key, and every answer for a key named that task
  const mine = snap.tasks.filter((t) => keys.some((k) => k.account_id === t.account_id));
  expect(mine).toHaveLength(TOTAL);
  const byKey = new Map(mine.map((t) => [t.idempotency_key, t]));
  expect(byKey.size).toBe(TOTAL);
  for (const p of plans) {
    const t = byKey.get(p.key);
    expect(t, p.key).toBeDefined();
    expect(t!.account_id).toBe(keys[p.account]!.account_id);
    expect([...answers.get(p.key)!]).toEqual([t!.id]);
  }

  // everything finished; what each kind of task ended as
  expect(mine.filter((t) => !TERMINAL.has(t.status))).toEqual([]);
  const statusOf = (k: Kind) => plans.filter((p) => p.kind === k).map((p) => byKey.get(p.key)!.status);
  expect(new Set(statusOf('fatal'))).toEqual(new Set(['failed']));
  expect(new Set(statusOf('retry-exhausted'))).toEqual(new Set(['failed']));
  expect(statusOf('ok').filter((s) => s === 'succeeded').length).toBeGreaterThan(0);
  expect(statusOf('cancel').filter((s) => s === 'cancelled').length).toBeGreaterThan(0);
  for (const t of mine) if (t.status === 'succeeded') expect(t.credits_used).toBe(t.credits_reserved);

  // the books balance to the credit
  expect(ledgerViolations(snap)).toEqual([]);
  for (const [n, k] of keys.entries()) {
    const account = snap.accounts.find((a) => a.id === k.account_id)!;
    const toppedUp = topups.filter((t) => t.account === n).reduce((s, t) => s + t.credits, 0);
    const charged = mine.filter((t) => t.account_id === k.account_id).reduce((s, t) => s + (t.credits_used ?? 0), 0);
    expect(account.credits_balance, `account ${n}`).toBe(GRANT + toppedUp - charged);
  }

  // and no request was answered with a server fault (checked last, so that a 5xx cannot hide the books)
  const faults = servers.flatMap((sv) => sv.logs.filter((l) => (l.level ?? 0) >= 50));
  // PostgreSQL deadlocks (40P01) between group-committed writes are retried by the store, not answered 500
  expect(serverErrors).toEqual([]);
  expect(faults).toEqual([]);
}

describe('credits under kill -9', () => {
  it(`SQLite: ${TOTAL} tasks, 3–5 kills, the ledger balances and nothing is charged twice (seed ${SEED})`, async ({ expect }) => {
    const dataDir = tempDir('genq-chaos-');
    await chaos({
      name: 'sqlite', env: ENV, dataDir,
      makeKey: (credits) => makeKey(dataDir, { credits, name: 'chaos' }),
      topup: async (id, credits) => (await topup({ dataDir }, id, credits)).code === 0,
      snapshot: async () => sqliteSnapshot(dataDir),
    }, expect);
  }, 180_000);
});

await describePostgres('credits under kill -9 on PostgreSQL', (db) => {
  it(`PostgreSQL: ${TOTAL} tasks, 3–5 kills of genq, the ledger balances and nothing is charged twice (seed ${SEED})`, async ({ expect }) => {
    const url = db().url;
    await chaos({
      name: 'postgres', env: { ...ENV, GENQ_DATABASE: url }, dataDir: tempDir('genq-chaos-pg-'),
      makeKey: (credits) => makeKeyOn(url, credits, 'chaos'),
      topup: async (id, credits) => (await topup({ database: url }, id, credits)).code === 0,
      snapshot: () => postgresSnapshot(url),
    }, expect);
  }, 180_000);
});
