/**
 * The retry decision (pure) and the deliverer loop against an in-memory outbox with the
 * store's semantics (claims count the attempt and lease the message; finishes are guarded by
 * the attempt number) and a scriptable receiver.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { afterAttempt, MAX_RETRY_DELAY_MS, WebhookDeliverer, type DelivererOptions, type PostJson } from '../../src/worker/webhook-deliverer.js';
import { OutboundError } from '../../src/net/outbound.js';
import type { Delivery, DeliveryOutcome, Store, WebhookSecrets } from '../../src/store/store.js';
import { newWebhookSecret } from '../../src/core/ids.js';

describe('afterAttempt', () => {
  const base = { now: 1_000_000, retryUntil: 2_000_000, baseMs: 100 };
  it('ends a message on success', () => {
    expect(afterAttempt({ ...base, ok: true, attempt: 3, random: 0.5 })).toEqual({ status: 'succeeded', next_attempt_at: 1_000_000 });
  });

  it('backs off exponentially with full jitter: uniform below base·2^(attempt−1)', () => {
    for (const attempt of [1, 2, 3, 6]) {
      const ceiling = 100 * 2 ** (attempt - 1);
      expect(afterAttempt({ ...base, ok: false, attempt, random: 0 }).next_attempt_at).toBe(base.now);
      expect(afterAttempt({ ...base, ok: false, attempt, random: 0.5 }).next_attempt_at).toBe(base.now + ceiling / 2);
      expect(afterAttempt({ ...base, ok: false, attempt, random: 0.999999 }).next_attempt_at).toBe(base.now + ceiling - 1);
      expect(afterAttempt({ ...base, ok: false, attempt, random: 0.5 }).status).toBe('pending');
    }
  });

  it('caps a delay at an hour, however many attempts were made', () => {
    const r = afterAttempt({ ok: false, attempt: 5000, now: 0, retryUntil: 1e12, baseMs: 5000, random: 0.999999 });
    expect(r.next_attempt_at).toBeLessThan(MAX_RETRY_DELAY_MS);
    expect(r.next_attempt_at).toBeGreaterThan(MAX_RETRY_DELAY_MS - 10);
    expect(afterAttempt({ ok: false, attempt: 5000, now: 0, retryUntil: 1e12, baseMs: 5000, random: 0.5 }).next_attempt_at).toBe(MAX_RETRY_DELAY_MS / 2);
  });

  it('schedules the last retry no later than the end of the window, and gives up after it', () => {
    expect(afterAttempt({ ...base, ok: false, attempt: 20, random: 0.9 })).toEqual({ status: 'pending', next_attempt_at: base.retryUntil });
    expect(afterAttempt({ ...base, ok: false, attempt: 2, now: base.retryUntil, random: 0.5 })).toEqual({ status: 'dead', next_attempt_at: base.retryUntil });
  });
});

// ------------------------------------------------------------------ the loop

class Outbox {
  rows = new Map<string, Delivery>();
  secrets: WebhookSecrets = { current: newWebhookSecret(), previous: null, rotated_at: null };
  add(id: string, over: Partial<Delivery> = {}): void {
    const now = Date.now();
    this.rows.set(id, {
      id, account_id: 'acc', task_id: `task-${id}`, event: 'task.succeeded', url: 'http://receiver.test/hook', format: 'native', task: '{}',
      created_at: now, retry_until: now + 60_000, status: 'pending', attempts: 0, next_attempt_at: now, last_status: null, last_error: null,
      updated_at: now, delivered_at: null, ...over,
    });
  }
  store = {
    claimDeliveries: async (now: number, limit: number, leaseUntil: number) => {
      const due = [...this.rows.values()].filter((d) => d.status === 'pending' && d.next_attempt_at <= now).slice(0, limit);
      for (const d of due) Object.assign(d, { attempts: d.attempts + 1, next_attempt_at: leaseUntil });
      return due.map((d) => ({ ...d }));
    },
    finishDelivery: async (o: DeliveryOutcome) => {
      const d = this.rows.get(o.id);
      if (!d || d.attempts !== o.attempt || d.status !== 'pending') return false;
      Object.assign(d, { status: o.status, next_attempt_at: o.next_attempt_at, last_status: o.last_status, last_error: o.last_error, delivered_at: o.status === 'succeeded' ? o.at : null });
      return true;
    },
    nextDeliveryAt: async (now: number) => {
      const t = [...this.rows.values()].filter((d) => d.status === 'pending' && d.next_attempt_at > now).map((d) => d.next_attempt_at);
      return t.length ? Math.min(...t) : null;
    },
    getWebhookSecrets: async () => this.secrets,
  } as unknown as Store;
}

const quiet = { info() {}, warn() {}, error() {}, debug() {} };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(fn: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(5);
  }
}

let running: WebhookDeliverer[] = [];
afterEach(async () => {
  await Promise.all(running.map((d) => d.stop()));
  running = [];
});

function deliverer(box: Outbox, post: PostJson, over: Partial<DelivererOptions> = {}): WebhookDeliverer {
  const d = new WebhookDeliverer(box.store, quiet, {
    concurrency: 4, timeoutMs: 200, retryBaseMs: 10, secretGraceS: 60, allowPrivateUrls: true, pollMs: 50,
    render: (m) => ({ body: JSON.stringify({ type: m.event, id: m.task_id }), type: m.event }), post, ...over,
  });
  running.push(d);
  d.start();
  return d;
}

describe('WebhookDeliverer', () => {
  it('sends signed messages, retries failures with the same webhook-id, and records success', async () => {
    const box = new Outbox();
    box.add('msg_a');
    const seen: Array<{ id: string; ok: boolean }> = [];
    let calls = 0;
    deliverer(box, async (_url, body, headers) => {
      new Webhook(box.secrets.current).verify(body, headers);
      seen.push({ id: headers['webhook-id']!, ok: true });
      calls += 1;
      if (calls === 1) return { status: 500, ms: 1, bodySnippet: 'boom' };
      if (calls === 2) throw new OutboundError('timeout', 'no complete answer within 200 ms');
      return { status: 204, ms: 1, bodySnippet: '' };
    });
    await until(() => box.rows.get('msg_a')!.status === 'succeeded');
    expect(seen.map((s) => s.id)).toEqual(['msg_a', 'msg_a', 'msg_a']);
    expect(box.rows.get('msg_a')).toMatchObject({ attempts: 3, last_status: 204, last_error: null });
  });

  it('dead-letters a message whose window has closed, keeping the last status and error', async () => {
    const box = new Outbox();
    box.add('msg_d', { retry_until: Date.now() + 150 });
    deliverer(box, async () => ({ status: 503, ms: 1, bodySnippet: 'down' }));
    await until(() => box.rows.get('msg_d')!.status === 'dead');
    const d = box.rows.get('msg_d')!;
    expect(d.attempts).toBeGreaterThan(1);
    expect(d).toMatchObject({ last_status: 503, last_error: 'HTTP 503: down' });
  });

  it('never has more than `concurrency` attempts in flight, and a slow receiver does not stop the others', async () => {
    const box = new Outbox();
    for (let i = 0; i < 12; i++) box.add(`msg_${String(i).padStart(2, '0')}`);
    let inFlight = 0;
    let peak = 0;
    deliverer(box, async () => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await sleep(20);
      inFlight -= 1;
      return { status: 200, ms: 20, bodySnippet: '' };
    }, { concurrency: 3 });
    await until(() => [...box.rows.values()].every((d) => d.status === 'succeeded'));
    expect(peak).toBe(3);
  });

  it('attempts hung on a silent receiver do not keep the free slots idle (claims wait for a batch only briefly)', async () => {
    const box = new Outbox();
    // 8 slots, so a claim would rather wait for 2 free; 7 attempts hang for the whole timeout
    for (let i = 0; i < 7; i++) box.add(`msg_h${i}`);
    const sentAt = new Map<string, number>();
    const started = Date.now();
    const d = deliverer(box, async (_u, _b, headers, opts) => {
      sentAt.set(headers['webhook-id']!, Date.now() - started);
      if (headers['webhook-id']!.startsWith('msg_h')) {
        await new Promise((r) => opts.signal?.addEventListener('abort', r, { once: true }) ?? setTimeout(r, 2000));
        return { status: 200, ms: 2000, bodySnippet: '' };
      }
      return { status: 200, ms: 1, bodySnippet: '' };
    }, { concurrency: 8, timeoutMs: 5000, pollMs: 5000 });
    await until(() => sentAt.size === 7);
    box.add('msg_late');
    d.kick(); // as TaskService.onDelivery does when it stores a message
    await until(() => box.rows.get('msg_late')!.status === 'succeeded', 1000);
    expect(sentAt.get('msg_late')! - sentAt.get('msg_h6')!).toBeLessThan(1000);
  });

  it('takes a message as it is stored when a slot is free (no claim), and keeps take + in flight within concurrency', async () => {
    const box = new Outbox();
    const sent: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const d = deliverer(box, async (_u, _b, headers, opts) => {
      sent.push(headers['webhook-id']!);
      await Promise.race([gate, new Promise((r) => opts.signal?.addEventListener('abort', r, { once: true }))]);
      return { status: 204, ms: 1, bodySnippet: '' };
    }, { concurrency: 2, timeoutMs: 1000 });
    await sleep(20);
    // two slots: two takes succeed with a lease of timeout + 5 s, the third is refused
    const lease = d.take();
    expect(lease).toBeGreaterThanOrEqual(Date.now() + 5900);
    expect(d.take()).not.toBeNull();
    expect(d.take()).toBeNull();
    // one message was not stored after all: its slot comes back
    d.giveBack();
    // the other is handed over as stored, born claimed (the store holds it as attempt 1)
    box.add('msg_born', { attempts: 1, next_attempt_at: lease! });
    d.send({ ...box.rows.get('msg_born')!, claimed_until: lease! });
    await until(() => sent.includes('msg_born'));
    expect(box.rows.get('msg_born')!.attempts).toBe(1); // sent without a claim
    expect(d.take()).not.toBeNull(); // one in flight, one free
    expect(d.take()).toBeNull();
    d.giveBack();
    release();
    await until(() => box.rows.get('msg_born')!.status === 'succeeded');
    expect(box.rows.get('msg_born')).toMatchObject({ attempts: 1, last_status: 204 });
  });

  it('signs with the previous secret too during the grace period after a rotation', async () => {
    const box = new Outbox();
    const old = box.secrets.current;
    box.secrets = { current: newWebhookSecret(), previous: old, rotated_at: Date.now() };
    box.add('msg_r');
    let sig = '';
    deliverer(box, async (_u, body, headers) => {
      sig = headers['webhook-signature']!;
      new Webhook(old).verify(body, headers);
      new Webhook(box.secrets.current).verify(body, headers);
      return { status: 200, ms: 1, bodySnippet: '' };
    });
    await until(() => box.rows.get('msg_r')!.status === 'succeeded');
    expect(sig.split(' ')).toHaveLength(2);
  });

  it('on stop abandons attempts in flight without recording them (the lease brings them back)', async () => {
    const box = new Outbox();
    box.add('msg_s');
    let started = false;
    const d = deliverer(box, (_u, _b, _h, opts) => new Promise((_resolve, reject) => {
      started = true;
      opts.signal!.addEventListener('abort', () => reject(new OutboundError('aborted', 'abandoned')));
    }));
    await until(() => started);
    await d.stop();
    expect(box.rows.get('msg_s')).toMatchObject({ status: 'pending', attempts: 1, last_error: null });
    expect(box.rows.get('msg_s')!.next_attempt_at).toBeGreaterThan(Date.now());
  });

  it('a redelivery during an attempt wins: the older attempt cannot record its outcome', async () => {
    const box = new Outbox();
    box.add('msg_x');
    let release: () => void = () => {};
    let calls = 0;
    deliverer(box, async () => {
      calls += 1;
      if (calls === 1) await new Promise<void>((r) => (release = r));
      return { status: calls === 1 ? 500 : 200, ms: 1, bodySnippet: '' };
    });
    await until(() => calls === 1);
    const row = box.rows.get('msg_x')!;
    Object.assign(row, { attempts: row.attempts + 1, next_attempt_at: Date.now() }); // what store.redeliver does
    await until(() => row.status === 'succeeded');
    release();
    await sleep(20);
    expect(row).toMatchObject({ status: 'succeeded', last_status: 200 });
  });
});
