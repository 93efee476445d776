/**
 * The first PostgreSQL schema: the same tables as SQLite's 0001 and 0002, with PostgreSQL
 * types. Ids compare bytewise (COLLATE "C") so "newest first by id" means the same on every
 * server whatever its locale.
 */
export default /* sql */ `
CREATE TABLE accounts (
  id text COLLATE "C" PRIMARY KEY,
  name text NOT NULL,
  credits_balance bigint NOT NULL DEFAULT 0,
  webhook_secret text NOT NULL,
  created_at bigint NOT NULL
);

CREATE TABLE api_keys (
  id text COLLATE "C" PRIMARY KEY,
  account_id text COLLATE "C" NOT NULL REFERENCES accounts(id),
  name text NOT NULL,
  prefix text NOT NULL,
  key_hash text NOT NULL UNIQUE,
  rate_limit integer,
  created_at bigint NOT NULL,
  revoked_at bigint
);
CREATE INDEX api_keys_account ON api_keys(account_id, created_at);
CREATE INDEX api_keys_prefix ON api_keys(prefix);

-- run_id: a small integer (CAMB.AI's run_id) that also orders the queue FIFO
CREATE TABLE tasks (
  id text COLLATE "C" PRIMARY KEY,
  run_id bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  account_id text COLLATE "C" NOT NULL,
  capability text NOT NULL,
  action text NOT NULL,
  model text NOT NULL,
  provider text,
  status text NOT NULL,
  progress double precision,
  input json NOT NULL,
  result json,
  error json,
  metadata json,
  credits_reserved bigint NOT NULL DEFAULT 0,
  credits_used bigint,
  attempts integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL,
  timeout_s integer NOT NULL,
  priority integer NOT NULL DEFAULT 0,
  idempotency_key text,
  webhook json,
  dialect text NOT NULL,
  created_at bigint NOT NULL,
  started_at bigint,
  completed_at bigint,
  expires_at bigint,
  run_after bigint NOT NULL,
  degraded boolean NOT NULL DEFAULT false,
  lease_owner text,
  lease_token text,
  lease_until bigint,
  version integer NOT NULL DEFAULT 1
);
-- claims walk this small partial index in queue order and lock with SKIP LOCKED
CREATE INDEX tasks_claim ON tasks(priority DESC, run_id) WHERE status = 'queued';
-- deferred tasks (retry backoff, run later), so an idle worker sleeps exactly until the next
-- one is due; a task queued to run at once is not in it (one index entry less per create)
CREATE INDEX tasks_deferred ON tasks(run_after) WHERE status = 'queued' AND run_after > created_at;
CREATE INDEX tasks_account_list ON tasks(account_id, id DESC);
CREATE UNIQUE INDEX tasks_idempotency ON tasks(account_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX tasks_leases ON tasks(lease_until) WHERE status = 'running';
CREATE INDEX tasks_deadline ON tasks(expires_at) WHERE status IN ('pending', 'queued') AND started_at IS NULL;
CREATE INDEX tasks_finished ON tasks(completed_at) WHERE status IN ('succeeded', 'failed', 'timed_out', 'cancelled', 'expired');
-- a queue table churns: vacuum it after 2% of its rows changed rather than the default 20%
ALTER TABLE tasks SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);

-- an append-only log read per task: (task_id, seq) is its only index (seq is unique by construction)
CREATE TABLE task_events (
  seq bigint GENERATED ALWAYS AS IDENTITY,
  task_id text COLLATE "C" NOT NULL,
  type text NOT NULL,
  status text NOT NULL,
  progress double precision,
  at bigint NOT NULL
);
CREATE INDEX task_events_task ON task_events(task_id, seq);

CREATE TABLE settings (
  name text PRIMARY KEY,
  value text NOT NULL
);

CREATE TABLE voices (
  id text COLLATE "C" PRIMARY KEY,
  account_id text COLLATE "C" NOT NULL,
  name text NOT NULL,
  language text NOT NULL,
  gender text,
  engine text NOT NULL,
  params json NOT NULL,
  sample_key text,
  created_at bigint NOT NULL
);
CREATE INDEX voices_account ON voices(account_id, created_at);

CREATE TABLE workers (
  id text PRIMARY KEY,
  host text NOT NULL,
  pid integer NOT NULL,
  started_at bigint NOT NULL,
  last_seen bigint NOT NULL,
  alive_until bigint NOT NULL,
  running integer NOT NULL,
  concurrency integer NOT NULL,
  models json NOT NULL
);
/*
 * The claim (see src/store/postgres/claim.ts): take up to p_limit claimable queued tasks in
 * queue order, skipping rows other claimers hold, move them to running under a lease with one
 * token each, and append their events. The SET clauses pin the plan to an ordered walk of
 * tasks_claim that stops after p_limit rows: with stale statistics (a table just filled by a
 * burst of creates) the planner would otherwise sort every queued task on every claim.
 */
CREATE FUNCTION genq_claim(
  p_now bigint, p_limit integer, p_owner text, p_tokens text[], p_lease_until bigint, p_models text[], p_at bigint
) RETURNS SETOF tasks
LANGUAGE plpgsql
SET enable_sort = off
SET enable_bitmapscan = off
SET enable_seqscan = off
AS $fn$
BEGIN
  RETURN QUERY
  WITH picked AS (
    SELECT run_id FROM tasks
    WHERE status = 'queued' AND run_after <= p_now
      AND (p_models IS NULL OR model = ANY(p_models))
      -- a never-started task past its queue deadline is the sweeper's to expire, not ours to start
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
END
$fn$;
`;
