/**
 * Tells other processes what this one wrote, AFTER it committed: at most one NOTIFY statement
 * per event-loop turn, and never two in flight — what is noted while one is being sent goes
 * out together in the next, so under load the statements get fuller, not more numerous.
 *
 * Why not a NOTIFY inside each write: PostgreSQL serialises the commits of all transactions
 * that notified (they queue on one global lock while the notification queue is appended),
 * which caps creation at a few hundred per second however many connections write. Here the
 * writes commit freely and a separate autocommit statement carries everything of one tick:
 * `SELECT pg_notify(channel, p) FROM unnest(payloads)`.
 *
 * Payload: {"o": origin, "w": 1 when work was queued, "c": [[id, status, type], …]}, split
 * into chunks below PostgreSQL's 8000-byte limit. New tasks travel as a bare wake-up ("w"):
 * nobody can be waiting on a task whose id was not yet returned. Losing a notification (the
 * server restarting between commit and NOTIFY) costs latency, not correctness: workers also
 * poll, and listeners resynchronise after reconnecting.
 */
import type pg from 'pg';
import type { RemoteChange } from '../store.js';
import type { PgLogger } from './connection.js';

const MAX_PAYLOAD = 7800;

export class Notifier {
  private changes: RemoteChange[] = [];
  private wake = false;
  private scheduled = false;
  private inFlight: Promise<void> | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly channel: () => string,
    private readonly origin: string,
    private readonly log: PgLogger,
  ) {}

  queued(): void {
    this.wake = true;
    this.schedule();
  }

  changed(c: RemoteChange): void {
    this.changes.push(c);
    if (c.status === 'queued') this.wake = true;
    this.schedule();
  }

  /** resolves after everything noted so far has been sent (or failed to send) */
  async flushed(): Promise<void> {
    while (this.scheduled || this.inFlight) {
      if (this.inFlight) await this.inFlight;
      else await new Promise((r) => setImmediate(r));
    }
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const payloads = this.payloads();
      this.inFlight = this.send(payloads).finally(() => {
        this.inFlight = null;
        if (this.wake || this.changes.length > 0) this.schedule();
      });
    });
  }

  private payloads(): string[] {
    const changes = this.changes.splice(0);
    const wake = this.wake;
    this.wake = false;
    const out: string[] = [];
    const head = `{"o":${JSON.stringify(this.origin)},"w":${wake ? 1 : 0},"c":[`;
    let body: string[] = [];
    let size = head.length + 2;
    for (const c of changes) {
      const item = JSON.stringify([c.id, c.status, c.type]);
      if (body.length > 0 && size + item.length + 1 > MAX_PAYLOAD) {
        out.push(`${head}${body.join(',')}]}`);
        body = [];
        size = head.length + 2;
      }
      body.push(item);
      size += item.length + 1;
    }
    if (body.length > 0 || wake) out.push(`${head}${body.join(',')}]}`);
    return out;
  }

  private async send(payloads: string[]): Promise<void> {
    if (payloads.length === 0) return;
    try {
      await this.pool.query({
        name: 'genq_notify',
        text: 'SELECT count(pg_notify($1, p)) FROM unnest($2::text[]) AS p',
        values: [this.channel(), payloads],
      });
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'postgres: NOTIFY failed; other processes will catch up by polling');
    }
  }
}
