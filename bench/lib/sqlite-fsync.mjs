/**
 * Child process: the durable-insert baseline. A bare better-sqlite3 connection in WAL mode
 * with synchronous=FULL (genq's settings) inserting one row per transaction, i.e. one WAL
 * fsync per row, as fast as it can for `durationMs`. The row is about the size of a genq
 * task row (a UUID key with a unique index plus ~600 bytes), so the rate is "what SQLite
 * gives a server that commits each task on its own".
 *
 * With rowsPerTxn > 1 it commits that many rows per transaction instead: the ceiling that
 * bare SQLite reaches for batch creation on this disk.
 *
 * argv[2] (JSON): { file, durationMs, rowsPerTxn = 1 }. Sends { rows, seconds, rps, txns }.
 */
import Database from 'better-sqlite3';
import crypto from 'node:crypto';

const { file, durationMs, rowsPerTxn = 1 } = JSON.parse(process.argv[2]);
const db = new Database(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec(`CREATE TABLE IF NOT EXISTS rows (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, status TEXT NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL)`);
const ins = db.prepare('INSERT INTO rows (id, status, body, created_at) VALUES (?, ?, ?, ?)');
const body = JSON.stringify({ capability: 'voice', action: 'tts', model: 'noop', input: {}, pad: 'x'.repeat(480) });

// warm-up, then measure
const until = (ms, f) => {
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    f();
    n++;
  }
  return { n, seconds: (performance.now() - t0) / 1000 };
};
const row = () => ins.run(crypto.randomUUID(), 'queued', body, Date.now());
const many = db.transaction(() => {
  for (let i = 0; i < rowsPerTxn; i++) row();
});
const one = rowsPerTxn === 1 ? row : () => many();
until(300, one);
const { n, seconds } = until(durationMs, one);
db.close();
process.send({ rows: n * rowsPerTxn, txns: n, seconds, rps: (n * rowsPerTxn) / seconds }, () => process.exit(0));
