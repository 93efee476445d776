/** Accounts, API keys and shared settings on PostgreSQL. */
import type pg from 'pg';
import { InsufficientCredits, type Account, type ApiKeyRecord, type LedgerEntry, type NewAccountWithKey, type WebhookSecrets } from '../store.js';

const KEY_COLS = 'id, account_id, name, prefix, rate_limit, created_at, revoked_at';

async function insertKey(db: pg.Pool | pg.PoolClient, key: ApiKeyRecord, keyHash: string): Promise<void> {
  await db.query(
    'INSERT INTO api_keys (id, account_id, name, prefix, key_hash, rate_limit, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
    [key.id, key.account_id, key.name, key.prefix, keyHash, key.rate_limit, key.created_at, key.revoked_at],
  );
}

/** runs `fn` in a transaction on one pooled connection */
export async function inTransaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (e) {
    broken = e as Error;
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    client.release(broken);
  }
}

export function createAccountWithKey(pool: pg.Pool, { account, key, keyHash, webhookSecret }: NewAccountWithKey): Promise<void> {
  return inTransaction(pool, async (c) => {
    await c.query('INSERT INTO accounts (id, name, credits_balance, webhook_secret, created_at) VALUES ($1, $2, $3, $4, $5)', [
      account.id, account.name, account.credits_balance, webhookSecret, account.created_at,
    ]);
    if (account.credits_balance !== 0) {
      await c.query(`INSERT INTO credit_ledger (account_id, task_id, kind, amount, note, at) VALUES ($1, NULL, 'grant', $2, 'opening balance', $3)`, [
        account.id, account.credits_balance, account.created_at,
      ]);
    }
    await insertKey(c, key, keyHash);
  });
}

export const addKey = (pool: pg.Pool, key: ApiKeyRecord, keyHash: string) => insertKey(pool, key, keyHash);

export async function findKeyByHash(pool: pg.Pool, keyHash: string): Promise<{ key: ApiKeyRecord; account: Account } | null> {
  const { rows } = await pool.query({
    name: 'genq_find_key',
    text: `SELECT k.id, k.account_id, k.name, k.prefix, k.rate_limit, k.created_at, k.revoked_at,
                  a.name AS account_name, a.credits_balance, a.max_running, a.created_at AS account_created_at
           FROM api_keys k JOIN accounts a ON a.id = k.account_id WHERE k.key_hash = $1`,
    values: [keyHash],
  });
  const r = rows[0];
  if (!r) return null;
  return {
    key: { id: r.id, account_id: r.account_id, name: r.name, prefix: r.prefix, rate_limit: r.rate_limit, created_at: r.created_at, revoked_at: r.revoked_at },
    account: { id: r.account_id, name: r.account_name, credits_balance: r.credits_balance, max_running: r.max_running, created_at: r.account_created_at },
  };
}

export async function listKeys(pool: pg.Pool, accountId?: string): Promise<ApiKeyRecord[]> {
  const { rows } = accountId
    ? await pool.query(`SELECT ${KEY_COLS} FROM api_keys WHERE account_id = $1 ORDER BY created_at, id`, [accountId])
    : await pool.query(`SELECT ${KEY_COLS} FROM api_keys ORDER BY created_at, id`);
  return rows as ApiKeyRecord[];
}

export function revokeKey(pool: pg.Pool, idOrPrefix: string, now: number): Promise<ApiKeyRecord | null> {
  return inTransaction(pool, async (c) => {
    const { rows } = await c.query<{ id: string }>('SELECT id FROM api_keys WHERE id = $1 OR prefix = $1 FOR UPDATE', [idOrPrefix]);
    if (rows.length !== 1) return null;
    const upd = await c.query(`UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 RETURNING ${KEY_COLS}`, [now, rows[0]!.id]);
    return upd.rows[0] as ApiKeyRecord;
  });
}

export async function getAccount(pool: pg.Pool, id: string): Promise<Account | null> {
  const { rows } = await pool.query('SELECT id, name, credits_balance, max_running, created_at FROM accounts WHERE id = $1', [id]);
  return (rows[0] as Account | undefined) ?? null;
}

export async function getWebhookSecret(pool: pg.Pool, accountId: string): Promise<string | null> {
  const { rows } = await pool.query<{ webhook_secret: string }>('SELECT webhook_secret FROM accounts WHERE id = $1', [accountId]);
  return rows[0]?.webhook_secret ?? null;
}

export async function countKeys(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>('SELECT count(*) AS n FROM api_keys WHERE revoked_at IS NULL');
  return rows[0]!.n;
}

/** first writer wins; everyone, in every process, reads the winner's value */
export async function getOrCreateSetting(pool: pg.Pool, name: string, create: () => string): Promise<string> {
  const read = async () => (await pool.query<{ value: string }>('SELECT value FROM settings WHERE name = $1', [name])).rows[0]?.value;
  const existing = await read();
  if (existing !== undefined) return existing;
  const ins = await pool.query<{ value: string }>(
    'INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING value',
    [name, create()],
  );
  if (ins.rows[0]) return ins.rows[0].value;
  // lost the race to a concurrent insert, which has committed by now (ON CONFLICT waited for it)
  const winner = await read();
  if (winner === undefined) throw new Error(`setting ${name} vanished while being created`);
  return winner;
}

const SECRETS = 'webhook_secret AS current, webhook_secret_previous AS previous, webhook_secret_rotated_at AS rotated_at';

export async function getWebhookSecrets(pool: pg.Pool, accountId: string): Promise<WebhookSecrets | null> {
  const { rows } = await pool.query(`SELECT ${SECRETS} FROM accounts WHERE id = $1`, [accountId]);
  return (rows[0] as WebhookSecrets | undefined) ?? null;
}

export async function rotateWebhookSecret(pool: pg.Pool, accountId: string, secret: string, now: number): Promise<WebhookSecrets | null> {
  const { rows } = await pool.query(
    `UPDATE accounts SET webhook_secret_previous = webhook_secret, webhook_secret = $2, webhook_secret_rotated_at = $3 WHERE id = $1 RETURNING ${SECRETS}`,
    [accountId, secret, now],
  );
  return (rows[0] as WebhookSecrets | undefined) ?? null;
}

export async function setMaxRunning(pool: pg.Pool, accountId: string, max: number | null): Promise<boolean> {
  return ((await pool.query('UPDATE accounts SET max_running = $2 WHERE id = $1', [accountId, max])).rowCount ?? 0) === 1;
}

/** a top-up (or removal) and its ledger row in one transaction; the balance row lock orders concurrent ones */
export function adjustCredits(pool: pg.Pool, accountId: string, amount: number, kind: 'grant' | 'topup', note: string | null, now: number): Promise<number | null> {
  return inTransaction(pool, async (c) => {
    const { rows } = await c.query<{ b: number }>('SELECT credits_balance AS b FROM accounts WHERE id = $1 FOR UPDATE', [accountId]);
    if (!rows[0]) return null;
    const balance = Number(rows[0].b);
    if (balance + amount < 0) throw new InsufficientCredits(accountId, -amount, balance);
    if (amount === 0) return balance;
    await c.query('UPDATE accounts SET credits_balance = credits_balance + $2 WHERE id = $1', [accountId, amount]);
    await c.query('INSERT INTO credit_ledger (account_id, task_id, kind, amount, note, at) VALUES ($1, NULL, $2, $3, $4, $5)', [accountId, kind, amount, note, now]);
    return balance + amount;
  });
}

export async function listLedger(pool: pg.Pool, accountId: string, limit: number, beforeSeq?: number): Promise<LedgerEntry[]> {
  const { rows } = beforeSeq === undefined
    ? await pool.query('SELECT * FROM credit_ledger WHERE account_id = $1 ORDER BY seq DESC LIMIT $2', [accountId, limit])
    : await pool.query('SELECT * FROM credit_ledger WHERE account_id = $1 AND seq < $3 ORDER BY seq DESC LIMIT $2', [accountId, limit, beforeSeq]);
  return rows.map((r) => ({ ...r, seq: Number(r.seq), amount: Number(r.amount), at: Number(r.at) })) as LedgerEntry[];
}
