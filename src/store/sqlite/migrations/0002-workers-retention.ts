export default /* sql */ `
-- workers report here every heartbeat (GET /v1/status shows the live ones)
CREATE TABLE workers (
  id TEXT PRIMARY KEY,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  alive_until INTEGER NOT NULL,
  running INTEGER NOT NULL,
  concurrency INTEGER NOT NULL,
  models TEXT NOT NULL
);

-- retention walks finished tasks oldest first
CREATE INDEX tasks_finished ON tasks(completed_at)
  WHERE status IN ('succeeded', 'failed', 'timed_out', 'cancelled', 'expired');
`;
