/**
 * One dedicated LISTEN connection per process, opened on first subscription. It turns other
 * processes' notifications into RemoteChanges (its own are skipped: this process already
 * announced them), coalescing those that arrive within one event-loop turn. When the
 * connection drops it reconnects with capped exponential backoff and then reports 'resync',
 * since notifications sent meanwhile are lost.
 */
import pg from 'pg';
import type { RemoteChange, RemoteChanges } from '../store.js';
import type { PgLogger } from './connection.js';

export class ChangeListener {
  private client: pg.Client | null = null;
  private readonly subscribers = new Set<(c: RemoteChanges) => void>();
  private pending: { wake: boolean; changes: RemoteChange[] } | null = null;
  private closed = false;
  private connecting = false;
  private needResync = false;
  private retryMs = 100;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly channel: () => string,
    private readonly origin: string,
    private readonly log: PgLogger,
  ) {}

  subscribe(fn: (c: RemoteChanges) => void): () => void {
    this.subscribers.add(fn);
    if (!this.client && !this.connecting && !this.retryTimer) void this.connect();
    return () => this.subscribers.delete(fn);
  }

  get listening(): boolean {
    return this.client !== null;
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    this.connecting = true;
    const client = new pg.Client(this.config);
    let lost = false;
    const onLost = (err?: Error) => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = null;
      client.removeAllListeners('notification');
      void client.end().catch(() => {});
      this.needResync = true;
      if (!this.closed) {
        this.log.warn({ err: err?.message ?? 'connection ended' }, 'postgres: LISTEN connection lost; reconnecting');
        this.retryLater();
      }
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (n) => this.onNotification(n.payload));
    try {
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(this.channel())}`);
    } catch (err) {
      this.connecting = false;
      onLost(err as Error);
      return;
    }
    this.connecting = false;
    if (this.closed || lost) {
      void client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.retryMs = 100;
    if (this.needResync) {
      this.needResync = false;
      this.log.info({}, 'postgres: LISTEN connection restored');
      this.deliver('resync');
    }
  }

  private retryLater(): void {
    if (this.retryTimer || this.closed) return;
    const delay = this.retryMs;
    this.retryMs = Math.min(5000, this.retryMs * 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, delay);
    this.retryTimer.unref();
  }

  private onNotification(payload: string | undefined): void {
    if (!payload) return;
    let msg: { o?: string; w?: number; c?: Array<[string, RemoteChange['status'], string]> };
    try {
      msg = JSON.parse(payload);
    } catch {
      return;
    }
    if (msg.o === this.origin) return;
    const first = this.pending === null;
    this.pending ??= { wake: false, changes: [] };
    if (msg.w) this.pending.wake = true;
    for (const [id, status, type] of msg.c ?? []) this.pending.changes.push({ id, status, type });
    if (first) {
      setImmediate(() => {
        const batch = this.pending;
        this.pending = null;
        if (batch) this.deliver(batch);
      });
    }
  }

  private deliver(c: RemoteChanges): void {
    for (const fn of this.subscribers) {
      try {
        fn(c);
      } catch (err) {
        this.log.error({ err: String(err) }, 'remote change subscriber failed');
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const c = this.client;
    this.client = null;
    if (c) {
      c.removeAllListeners('end');
      await c.end().catch(() => {});
    }
  }
}
