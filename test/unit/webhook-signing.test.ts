/** Signing: verified with the standardwebhooks library itself, and ModelHunter's recipe recomputed by hand. */
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { modelhunterSignature, signedHeaders, signingSecrets, standardHeaders } from '../../src/core/webhook-signing.js';
import { newWebhookSecret } from '../../src/core/ids.js';
import { verifyWebhook, WebhookVerificationError } from '../../src/sdk/verify-webhook.js';

const body = JSON.stringify({ type: 'task.succeeded', timestamp: '2025-01-01T00:00:00.000Z', data: { id: 't1', note: 'héllo ✓' } });
const nowS = () => Math.floor(Date.now() / 1000);

describe('Standard Webhooks headers', () => {
  it('verify with the standardwebhooks library', () => {
    const secret = newWebhookSecret();
    const h = standardHeaders({ id: 'msg_1', timestampS: nowS(), body, secrets: [secret] });
    expect(h['webhook-id']).toBe('msg_1');
    expect(h['webhook-timestamp']).toMatch(/^\d{10}$/);
    expect(h['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, h)).toEqual(JSON.parse(body));
  });

  it('fail to verify with another secret, another body or another id', () => {
    const secret = newWebhookSecret();
    const h = standardHeaders({ id: 'msg_1', timestampS: nowS(), body, secrets: [secret] });
    expect(() => new Webhook(newWebhookSecret()).verify(body, h)).toThrow();
    expect(() => new Webhook(secret).verify(body.replace('t1', 't2'), h)).toThrow();
    expect(() => new Webhook(secret).verify(body, { ...h, 'webhook-id': 'msg_2' })).toThrow();
  });

  it('carry one signature per secret during a rotation, each verifying on its own', () => {
    const [current, previous] = [newWebhookSecret(), newWebhookSecret()];
    const h = standardHeaders({ id: 'msg_1', timestampS: nowS(), body, secrets: [current, previous] });
    expect(h['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(new Webhook(current).verify(body, h)).toBeTruthy();
    expect(new Webhook(previous).verify(body, h)).toBeTruthy();
  });

  it('are what the SDK verifier accepts (Headers, plain objects, bytes; either secret of a rotation)', async () => {
    const [secret, old] = [newWebhookSecret(), newWebhookSecret()];
    const h = standardHeaders({ id: 'msg_1', timestampS: nowS(), body, secrets: [secret] });
    expect(await verifyWebhook(secret, new Headers(h), body)).toEqual(JSON.parse(body));
    const mixed = { 'Webhook-Id': h['webhook-id'], 'WEBHOOK-TIMESTAMP': h['webhook-timestamp'], 'webhook-signature': [h['webhook-signature']!] };
    expect(await verifyWebhook(secret, mixed, new TextEncoder().encode(body))).toEqual(JSON.parse(body));
    const both = standardHeaders({ id: 'msg_1', timestampS: nowS(), body, secrets: [secret, old] });
    expect(await verifyWebhook(old, both, body)).toEqual(JSON.parse(body));
    expect(await verifyWebhook(secret.slice('whsec_'.length), both, body)).toEqual(JSON.parse(body));
  });

  it('the SDK verifier refuses what the library refuses: other secrets, bodies, ids, stale or missing headers', async () => {
    const secret = newWebhookSecret();
    const h = standardHeaders({ id: 'msg_1', timestampS: nowS(), body, secrets: [secret] });
    await expect(verifyWebhook(newWebhookSecret(), h, body)).rejects.toThrow(WebhookVerificationError);
    await expect(verifyWebhook(secret, h, body + ' ')).rejects.toThrow(/no signature matches/);
    await expect(verifyWebhook(secret, { ...h, 'webhook-id': 'msg_2' }, body)).rejects.toThrow(/no signature matches/);
    await expect(verifyWebhook(secret, { ...h, 'webhook-signature': h['webhook-signature']!.replace('v1,', 'v2,') }, body)).rejects.toThrow(/no signature/);
    const old = standardHeaders({ id: 'msg_1', timestampS: nowS() - 600, body, secrets: [secret] });
    await expect(verifyWebhook(secret, old, body)).rejects.toThrow(/too old/);
    expect(await verifyWebhook(secret, old, body, { toleranceS: 3600 })).toEqual(JSON.parse(body));
    const future = standardHeaders({ id: 'msg_1', timestampS: nowS() + 600, body, secrets: [secret] });
    await expect(verifyWebhook(secret, future, body)).rejects.toThrow(/too new/);
    await expect(verifyWebhook(secret, { 'webhook-id': 'msg_1' }, body)).rejects.toThrow(/missing/);
    await expect(verifyWebhook(secret, { ...h, 'webhook-timestamp': '12abc' }, body)).rejects.toThrow(/unix seconds/);
  });
});

describe('which secrets sign', () => {
  const s = { current: 'whsec_new', previous: 'whsec_old', rotated_at: 1_000_000 };
  it('both during the grace period after a rotation, the current one alone afterwards', () => {
    expect(signingSecrets(s, 1_000_000 + 59_999, 60)).toEqual(['whsec_new', 'whsec_old']);
    expect(signingSecrets(s, 1_000_000 + 60_000, 60)).toEqual(['whsec_new']);
    expect(signingSecrets(s, 1_000_000, 0)).toEqual(['whsec_new']);
    expect(signingSecrets({ current: 'whsec_a', previous: null, rotated_at: null }, 0, 60)).toEqual(['whsec_a']);
  });
});

describe('ModelHunter headers', () => {
  it('sign sha256=hex(HMAC-SHA256(secret as given, timestamp + "." + body))', () => {
    const secret = newWebhookSecret();
    const ts = nowS();
    const expected = crypto.createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex');
    expect(modelhunterSignature(secret, ts, body)).toBe(`sha256=${expected}`);
    const h = signedHeaders('modelhunter', { id: 'msg_9', timestampS: ts, body, secrets: [secret, newWebhookSecret()] }, 'task.completed', 'task-1');
    expect(h).toMatchObject({
      'x-webhook-id': 'msg_9', 'x-webhook-timestamp': String(ts), 'x-webhook-signature': `sha256=${expected}`,
      'x-webhook-event': 'task.completed', 'x-job-id': 'task-1', 'webhook-id': 'msg_9',
    });
    // the standard headers come along, signed with both secrets
    expect(new Webhook(secret).verify(body, h)).toBeTruthy();
  });

  it('native messages carry only the standard headers', () => {
    const h = signedHeaders('native', { id: 'msg_1', timestampS: nowS(), body, secrets: [newWebhookSecret()] }, 'task.succeeded', 't');
    expect(Object.keys(h).sort()).toEqual(['webhook-id', 'webhook-signature', 'webhook-timestamp']);
    expect(() => signedHeaders('native', { id: 'msg_1', timestampS: nowS(), body, secrets: [] }, 'x', 't')).toThrow();
  });
});
