/**
 * Credits ledger, webhook outbox, idempotency fingerprints and per-account concurrency: the
 * same tables as SQLite's 0003, plus a balance that can never go below zero (a batch of
 * holds that would overdraw an account fails as a whole on this CHECK) and a claim function
 * that skips accounts already running their limit.
 */
export default /* sql */ `
ALTER TABLE tasks ADD COLUMN request_hash text;

ALTER TABLE accounts ADD COLUMN webhook_secret_previous text;
ALTER TABLE accounts ADD COLUMN webhook_secret_rotated_at bigint;
ALTER TABLE accounts ADD COLUMN max_running integer;
ALTER TABLE accounts ADD CONSTRAINT accounts_credits_nonnegative CHECK (credits_balance >= 0);
CREATE INDEX accounts_limited ON accounts(id) WHERE max_running IS NOT NULL;

CREATE TABLE credit_ledger (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id text COLLATE "C" NOT NULL,
  task_id text COLLATE "C",
  kind text NOT NULL CHECK (kind IN ('grant', 'topup', 'hold', 'release', 'charge')),
  amount bigint NOT NULL,
  note text,
  at bigint NOT NULL
);
CREATE INDEX credit_ledger_account ON credit_ledger(account_id, seq);
CREATE UNIQUE INDEX credit_ledger_task_kind ON credit_ledger(task_id, kind) WHERE task_id IS NOT NULL;
CREATE FUNCTION genq_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'the credit ledger is append-only';
END
$fn$;
CREATE TRIGGER credit_ledger_append_only BEFORE UPDATE OR DELETE ON credit_ledger
  FOR EACH ROW EXECUTE FUNCTION genq_ledger_append_only();

CREATE TABLE webhook_deliveries (
  id text COLLATE "C" PRIMARY KEY,
  account_id text COLLATE "C" NOT NULL,
  task_id text COLLATE "C" NOT NULL,
  event text NOT NULL,
  url text NOT NULL,
  format text NOT NULL,
  task text NOT NULL,
  status text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at bigint NOT NULL,
  retry_until bigint NOT NULL,
  last_status integer,
  last_error text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  delivered_at bigint
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_account ON webhook_deliveries(account_id, id DESC);
CREATE INDEX webhook_deliveries_task ON webhook_deliveries(task_id);

CREATE INDEX tasks_running_account ON tasks(account_id) WHERE status = 'running';

DROP FUNCTION genq_claim(bigint, integer, text, text[], bigint, text[], bigint);
/*
 * As before (see 0001), plus per-account concurrency: accounts already running their limit
 * are skipped, and one claim takes no more of an account's tasks than it has room for. Two
 * claims in different processes at the same instant each count the running tasks without
 * the other's, so on PostgreSQL the limit can be passed by one task per extra concurrent
 * claimer for a moment; the next claim sees the true count.
 */
CREATE FUNCTION genq_claim(
  p_now bigint, p_limit integer, p_owner text, p_tokens text[], p_lease_until bigint, p_models text[], p_at bigint,
  p_default_max integer
) RETURNS SETOF tasks
LANGUAGE plpgsql
SET enable_sort = off
SET enable_bitmapscan = off
SET enable_seqscan = off
AS $fn$
BEGIN
  IF p_default_max IS NULL AND NOT EXISTS (SELECT 1 FROM accounts WHERE max_running IS NOT NULL) THEN
    RETURN QUERY
    WITH picked AS (
      SELECT run_id FROM tasks
      WHERE status = 'queued' AND run_after <= p_now
        AND (p_models IS NULL OR model = ANY(p_models))
        AND (started_at IS NOT NULL OR expires_at IS NULL OR expires_at >= p_now)
      ORDER BY priority DESC, run_id
      LIMIT p_limit
      FOR UPDATE SKIP LOCKED
    ), numbered AS (
      SELECT run_id, row_number() OVER () AS n FROM picked
    ), claimed AS (
      UPDATE tasks t SET
        status = 'running', attempts = t.attempts + 1, started_at = COALESCE(t.started_at, p_now),
        progress = COALESCE(t.progress, 0), lease_owner = p_owner, lease_token = p_tokens[numbered.n],
        lease_until = p_lease_until, version = t.version + 1
      FROM numbered WHERE t.run_id = numbered.run_id
      RETURNING t.*
    ), ev AS (
      INSERT INTO task_events (task_id, type, status, progress, at)
      SELECT id, 'task.running', 'running', progress, p_at FROM claimed
    )
    SELECT * FROM claimed;
  ELSE
    RETURN QUERY
    WITH busy AS (
      SELECT r.account_id, count(*) AS n FROM tasks r WHERE r.status = 'running' GROUP BY r.account_id
    ), full_accounts AS (
      SELECT b.account_id FROM busy b JOIN accounts a ON a.id = b.account_id
      WHERE b.n >= COALESCE(a.max_running, p_default_max)
    ), picked AS (
      SELECT q.run_id, q.account_id, q.priority FROM tasks q
      WHERE q.status = 'queued' AND q.run_after <= p_now
        AND (p_models IS NULL OR q.model = ANY(p_models))
        AND (q.started_at IS NOT NULL OR q.expires_at IS NULL OR q.expires_at >= p_now)
        AND q.account_id NOT IN (SELECT account_id FROM full_accounts)
      ORDER BY q.priority DESC, q.run_id
      LIMIT p_limit
      FOR UPDATE SKIP LOCKED
    ), ranked AS (
      SELECT p.run_id,
             row_number() OVER (PARTITION BY p.account_id ORDER BY p.priority DESC, p.run_id) AS k,
             COALESCE(a.max_running, p_default_max) - COALESCE(b.n, 0) AS room
      FROM picked p LEFT JOIN accounts a ON a.id = p.account_id LEFT JOIN busy b ON b.account_id = p.account_id
    ), numbered AS (
      SELECT run_id, row_number() OVER () AS n FROM ranked WHERE room IS NULL OR k <= room
    ), claimed AS (
      UPDATE tasks t SET
        status = 'running', attempts = t.attempts + 1, started_at = COALESCE(t.started_at, p_now),
        progress = COALESCE(t.progress, 0), lease_owner = p_owner, lease_token = p_tokens[numbered.n],
        lease_until = p_lease_until, version = t.version + 1
      FROM numbered WHERE t.run_id = numbered.run_id
      RETURNING t.*
    ), ev AS (
      INSERT INTO task_events (task_id, type, status, progress, at)
      SELECT id, 'task.running', 'running', progress, p_at FROM claimed
    )
    SELECT * FROM claimed;
  END IF;
END
$fn$;
`;
