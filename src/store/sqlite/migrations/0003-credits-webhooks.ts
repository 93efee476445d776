export default /* sql */ `
-- a reused Idempotency-Key is compared by this fingerprint of the first request
ALTER TABLE tasks ADD COLUMN request_hash TEXT;

-- rotation keeps the old secret for a grace period (webhooks are signed with both)
ALTER TABLE accounts ADD COLUMN webhook_secret_previous TEXT;
ALTER TABLE accounts ADD COLUMN webhook_secret_rotated_at INTEGER;
-- most tasks of the account running at once (NULL = the server's default)
ALTER TABLE accounts ADD COLUMN max_running INTEGER;

-- every movement of credits, in the same transaction as the change that caused it;
-- the balance of an account always equals the sum of its amounts
CREATE TABLE credit_ledger (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id TEXT NOT NULL,
  task_id TEXT,
  kind TEXT NOT NULL CHECK (kind IN ('grant', 'topup', 'hold', 'release', 'charge')),
  amount INTEGER NOT NULL,
  note TEXT,
  at INTEGER NOT NULL
);
CREATE INDEX credit_ledger_account ON credit_ledger(account_id, seq);
-- a task is held, released and charged at most once each, whatever crashes or races happen
CREATE UNIQUE INDEX credit_ledger_task_kind ON credit_ledger(task_id, kind) WHERE task_id IS NOT NULL;
CREATE TRIGGER credit_ledger_no_update BEFORE UPDATE ON credit_ledger
  BEGIN SELECT RAISE(ABORT, 'the credit ledger is append-only'); END;
CREATE TRIGGER credit_ledger_no_delete BEFORE DELETE ON credit_ledger
  BEGIN SELECT RAISE(ABORT, 'the credit ledger is append-only'); END;

-- the webhook outbox: a message is stored with the task change it reports, then delivered
CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  task_id TEXT NOT NULL,
  event TEXT NOT NULL,
  url TEXT NOT NULL,
  format TEXT NOT NULL,
  task TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  retry_until INTEGER NOT NULL,
  last_status INTEGER,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  delivered_at INTEGER
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_account ON webhook_deliveries(account_id, id DESC);
CREATE INDEX webhook_deliveries_task ON webhook_deliveries(task_id);

-- per-account concurrency counts running tasks by account
CREATE INDEX tasks_running_account ON tasks(account_id) WHERE status = 'running';
`;
