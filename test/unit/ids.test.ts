/** Identifiers: lease tokens cut from a random pool stay distinct and well formed across refills. */
import { describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import { hashApiKey, newApiKey, newId, newToken } from '../../src/core/ids.js';

describe('ids', () => {
  it('lease tokens are 16 base64url characters (96 bits) and never repeat, across many pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const t = newToken();
      expect(t).toMatch(/^[A-Za-z0-9_-]{16}$/);
      seen.add(t);
    }
    expect(seen.size).toBe(20_000);
  });

  it('ids are UUID v7, increasing', () => {
    const a = newId();
    const b = newId();
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(b > a).toBe(true);
  });

  it('an API key hashes to the SHA-256 hex that stored keys were made with (the one-shot path changed nothing)', () => {
    const key = newApiKey();
    expect(hashApiKey(key)).toBe(crypto.createHash('sha256').update(key).digest('hex'));
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
