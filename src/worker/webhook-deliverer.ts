/**
 * The webhook deliverer: sends the messages of the outbox (written by the core with the task
 * change they report) and records each attempt's outcome. It runs in every process, apart from
 * the worker runtime, so a slow receiver never holds up a task: at most `concurrency` attempts
 * are in flight, each with its own deadline.
 *
 * At-least-once: a claim marks a message in flight until its lease (deadline + margin) ends; if
 * this process dies or closes mid-attempt, the message becomes due again and is sent again with
 * the same `webhook-id`. Receivers dedupe on that id.
 */
import { setMaxListeners } from 'node:events';
import client from 'prom-client';
import type { Delivery, DeliveryOutcome, DeliveryStatus, NewDelivery, Store, WebhookSecrets } from '../store/store.js';
import type { LocalDeliverer } from '../core/task-service.js';
import type { Logger } from '../providers/provider.js';
import { signedHeaders, signingSecrets } from '../core/webhook-signing.js';
import type { PostOptions, PostResult } from '../net/outbound.js';

/** src/net/outbound's postJson, or a stand-in in tests */
export type PostJson = (url: URL, body: string, headers: Record<string, string>, opts: PostOptions) => Promise<PostResult>;

/** a retry waits at most this long */
export const MAX_RETRY_DELAY_MS = 3_600_000;

/**
 * What follows an attempt: success ends the message; a failure is retried after an exponential
 * delay with full jitter (uniform in [0, min(cap, base·2^(attempt−1))]) while the retry window is
 * open, the last retry falling no later than the window's end; after that the message is dead.
 */
export function afterAttempt(a: { ok: boolean; attempt: number; now: number; retryUntil: number; baseMs: number; random: number; capMs?: number }): { status: DeliveryStatus; next_attempt_at: number } {
  if (a.ok) return { status: 'succeeded', next_attempt_at: a.now };
  if (a.now >= a.retryUntil) return { status: 'dead', next_attempt_at: a.now };
  const ceiling = Math.min(a.capMs ?? MAX_RETRY_DELAY_MS, a.baseMs * 2 ** Math.min(40, Math.max(0, a.attempt - 1)));
  return { status: 'pending', next_attempt_at: Math.min(a.retryUntil, a.now + Math.floor(ceiling * a.random)) };
}

export interface RenderedMessage {
  body: string;
  /** the event as the message's format names it */
  type: string;
}

export interface DelivererOptions {
  concurrency: number;
  timeoutMs: number;
  retryBaseMs: number;
  /** the previous secret still signs for this long after a rotation */
  secretGraceS: number;
  allowPrivateUrls: boolean;
  /** the body of a message, rendered at send time (fresh file URLs) */
  render: (d: Delivery, nowMs: number) => RenderedMessage;
  post: PostJson;
  /** longest sleep between looks at the outbox, so messages stored by other processes go out; default 1 s */
  pollMs?: number;
  /** Prometheus registry for the attempt counter and latency histogram */
  registry?: client.Registry;
  now?: () => number;
  random?: () => number;
}

type Outcome = 'succeeded' | 'retry' | 'dead' | 'superseded';

/** how long a claim may wait for a quarter of the slots to be free (see pump) */
const BATCH_WAIT_MS = 20;

export class WebhookDeliverer implements LocalDeliverer {
  private inFlight = new Set<Promise<void>>();
  private pumping = false;
  /** when a claim was first put off for want of free slots */
  private deferredSince: number | null = null;
  /** slots promised to messages being stored in this process (take), not yet handed over */
  private reserved = 0;
  private again = false;
  private stopping = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly abandon = new AbortController();
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly attempts?: client.Counter<'outcome'>;
  private readonly latency?: client.Histogram<'outcome'>;

  constructor(private readonly store: Store, private readonly log: Logger, private readonly opts: DelivererOptions) {
    // every attempt in flight listens on it
    setMaxListeners(opts.concurrency + 10, this.abandon.signal);
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    if (opts.registry) {
      this.attempts = new client.Counter({
        name: 'genq_webhook_attempts_total', help: 'Webhook delivery attempts, by what followed: succeeded, retry, dead, superseded',
        labelNames: ['outcome'], registers: [opts.registry],
      });
      this.latency = new client.Histogram({
        name: 'genq_webhook_attempt_duration_seconds', help: 'Webhook attempt time, from sending to the answer or the error',
        labelNames: ['outcome'], buckets: [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30], registers: [opts.registry],
      });
    }
  }

  start(): void {
    this.kick();
  }

  /** The lease of a message stored now and sent by this process, if a slot is free (LocalDeliverer). */
  take(): number | null {
    if (this.stopping || this.inFlight.size + this.reserved >= this.opts.concurrency) return null;
    this.reserved += 1;
    return this.now() + this.lease();
  }

  /** A message stored born claimed by us, now durable: its first attempt, without a claim. */
  send(m: NewDelivery & { claimed_until?: number }): void {
    this.reserved -= 1;
    // closing: it stays claimed until its lease ends, then goes out from the outbox
    if (this.stopping) return;
    const d: Delivery = {
      ...m, status: 'pending', attempts: 1, next_attempt_at: m.claimed_until ?? this.now(), last_status: null, last_error: null,
      updated_at: m.created_at, delivered_at: null,
    };
    this.track(this.secretsOf([d]).then(
      (secrets) => this.attempt(d, secrets.get(d.account_id) ?? null),
      // it stays claimed until its lease ends, then goes out from the outbox
      (err) => this.log.warn({ delivery_id: d.id, err: String(err) }, 'webhook deliverer: cannot read the signing secret; will try again'),
    ));
  }

  /** The message a slot was taken for was not stored after all. */
  giveBack(): void {
    this.reserved -= 1;
    this.kick();
  }

  private lease(): number {
    return this.opts.timeoutMs + 5000;
  }

  /** look at the outbox now (a message was just stored or redelivered in this process) */
  kick(): void {
    if (this.stopping) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    setImmediate(() => void this.pump());
  }

  /** Stops claiming; attempts in flight are abandoned unrecorded and go out again after their lease. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.abandon.abort();
    await Promise.allSettled([...this.inFlight]);
  }

  private async pump(): Promise<void> {
    let sleepMs = this.opts.pollMs ?? 1000;
    if (this.stopping) return;
    try {
      do {
        this.again = false;
        const free = this.opts.concurrency - this.inFlight.size - this.reserved;
        if (free <= 0) return; // a finishing attempt kicks again
        // while many attempts are in flight, wait a moment for a quarter of the slots to free up,
        // so a claim takes a batch rather than one message per statement; never longer, so
        // attempts hung on a silent receiver do not keep the free slots idle
        if (this.inFlight.size > 0 && free < Math.ceil(this.opts.concurrency / 4)) {
          const t = performance.now();
          this.deferredSince ??= t;
          const left = BATCH_WAIT_MS - (t - this.deferredSince);
          if (left > 0) {
            sleepMs = left;
            return;
          }
        }
        this.deferredSince = null;
        const now = this.now();
        const claimed = await this.store.claimDeliveries(now, free, now + this.lease());
        if (this.stopping) return;
        const secrets = await this.secretsOf(claimed);
        for (const d of claimed) this.track(this.attempt(d, secrets.get(d.account_id) ?? null));
        if (claimed.length === free) this.again = true;
      } while (this.again && !this.stopping);
      const next = await this.store.nextDeliveryAt(this.now());
      if (next !== null) sleepMs = Math.min(sleepMs, Math.max(0, next - this.now()));
    } catch (err) {
      this.log.warn({ err: String(err) }, 'webhook deliverer: cannot read the outbox; will try again');
    } finally {
      this.pumping = false;
      if (!this.stopping) {
        if (this.again) this.kick();
        else this.sleep(sleepMs);
      }
    }
  }

  private sleep(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    // unref: the deliverer alone never keeps a process alive
    this.timer = setTimeout(() => {
      this.timer = null;
      this.kick();
    }, ms).unref();
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => {
      this.inFlight.delete(p);
      this.kick();
    });
  }

  /** one read per account of a claim, not one per message */
  private async secretsOf(claimed: Delivery[]): Promise<Map<string, WebhookSecrets | null>> {
    const out = new Map<string, WebhookSecrets | null>();
    for (const id of new Set(claimed.map((d) => d.account_id))) out.set(id, await this.store.getWebhookSecrets(id));
    return out;
  }

  private async attempt(d: Delivery, secrets: WebhookSecrets | null): Promise<void> {
    const sentAt = this.now();
    let status: number | null = null;
    let error: string | null = null;
    let ms = 0;
    try {
      if (!secrets) throw new Error('the account no longer exists');
      const { body, type } = this.opts.render(d, sentAt);
      const headers = signedHeaders(d.format, { id: d.id, timestampS: Math.floor(sentAt / 1000), body, secrets: signingSecrets(secrets, sentAt, this.opts.secretGraceS) }, type, d.task_id);
      const res = await this.opts.post(new URL(d.url), body, headers, { timeoutMs: this.opts.timeoutMs, allowPrivate: this.opts.allowPrivateUrls, signal: this.abandon.signal, maxResponseBytes: 512 });
      status = res.status;
      ms = res.ms;
      if (status < 200 || status >= 300) error = `HTTP ${status}${res.bodySnippet ? `: ${res.bodySnippet.slice(0, 200)}` : ''}`;
    } catch (e) {
      ms = this.now() - sentAt;
      const reason = (e as { reason?: unknown }).reason;
      error = `${typeof reason === 'string' ? `${reason}: ` : ''}${(e as Error).message ?? String(e)}`.slice(0, 500);
    }
    // closing: the attempt is abandoned unrecorded; its lease runs out and it is sent again
    if (this.stopping) return;
    const now = this.now();
    const next = afterAttempt({ ok: error === null, attempt: d.attempts, now, retryUntil: d.retry_until, baseMs: this.opts.retryBaseMs, random: this.random() });
    const outcome: DeliveryOutcome = { id: d.id, attempt: d.attempts, status: next.status, next_attempt_at: next.next_attempt_at, last_status: status, last_error: error, at: now };
    let written = false;
    try {
      written = await this.store.finishDelivery(outcome);
    } catch (err) {
      this.log.warn({ delivery_id: d.id, err: String(err) }, 'webhook deliverer: cannot record an attempt; it will be made again');
      return;
    }
    const result: Outcome = !written ? 'superseded' : next.status === 'pending' ? 'retry' : next.status;
    this.attempts?.inc({ outcome: result });
    this.latency?.observe({ outcome: result }, ms / 1000);
    const line = {
      delivery_id: d.id, task_id: d.task_id, event: d.event, attempt: d.attempts, status_code: status, ms, outcome: result,
      ...(error ? { error } : {}), ...(result === 'retry' ? { next_attempt_in_ms: next.next_attempt_at - now } : {}),
    };
    if (result === 'dead') this.log.warn(line, 'webhook attempt');
    else this.log.info(line, 'webhook attempt');
  }
}
