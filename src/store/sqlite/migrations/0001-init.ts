export default /* sql */ `
CREATE TABLE accounts (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  credits_balance INTEGER NOT NULL DEFAULT 0,
  webhook_secret TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  name TEXT NOT NULL,
  prefix TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  rate_limit INTEGER,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX api_keys_account ON api_keys(account_id);

-- run_id is the rowid: a small integer (CAMB.AI's run_id) that also orders the queue FIFO
CREATE TABLE tasks (
  run_id INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  account_id TEXT NOT NULL,
  capability TEXT NOT NULL,
  action TEXT NOT NULL,
  model TEXT NOT NULL,
  provider TEXT,
  status TEXT NOT NULL,
  progress REAL,
  input TEXT NOT NULL,
  result TEXT,
  error TEXT,
  metadata TEXT,
  credits_reserved INTEGER NOT NULL DEFAULT 0,
  credits_used INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  timeout_s INTEGER NOT NULL,
  priority INTEGER NOT NULL DEFAULT 0,
  idempotency_key TEXT,
  webhook TEXT,
  dialect TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  completed_at INTEGER,
  expires_at INTEGER,
  run_after INTEGER NOT NULL,
  degraded INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT,
  lease_token TEXT,
  lease_until INTEGER,
  version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX tasks_claim ON tasks(priority DESC, run_id) WHERE status = 'queued';
CREATE INDEX tasks_account_list ON tasks(account_id, id DESC);
CREATE UNIQUE INDEX tasks_idempotency ON tasks(account_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX tasks_leases ON tasks(lease_until) WHERE status = 'running';
CREATE INDEX tasks_deadline ON tasks(expires_at) WHERE status IN ('pending', 'queued') AND started_at IS NULL;

CREATE TABLE task_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  task_id TEXT NOT NULL,
  type TEXT NOT NULL,
  status TEXT NOT NULL,
  progress REAL,
  at INTEGER NOT NULL
);
CREATE INDEX task_events_task ON task_events(task_id, seq);

CREATE TABLE settings (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE voices (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  name TEXT NOT NULL,
  language TEXT NOT NULL,
  gender TEXT,
  engine TEXT NOT NULL,
  params TEXT NOT NULL,
  sample_key TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX voices_account ON voices(account_id, created_at);
`;
