import { describe, expect, it } from 'vitest';
import { UrlSigner, signedPath } from '../../src/storage/url-signer.js';

const KEY = 'acct-1/01900000-0000-7000-8000-000000000001/out.wav';
const NOW = 1_700_000_000;

describe('UrlSigner', () => {
  const signer = new UrlSigner('s3cret-s3cret-s3cret');

  it('verifies its own signature until the expiry', () => {
    const { expires, sig } = signer.sign(KEY, NOW + 900);
    expect(expires).toBe(NOW + 900);
    expect(sig).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(signer.verify(KEY, expires, sig, NOW)).toBe('ok');
    expect(signer.verify(KEY, expires, sig, NOW + 900)).toBe('ok');
    expect(signer.verify(KEY, expires, sig, NOW + 901)).toBe('expired');
  });

  it('rejects a tampered key, expiry or signature', () => {
    const { expires, sig } = signer.sign(KEY, NOW + 900);
    expect(signer.verify(KEY.replace('acct-1', 'acct-2'), expires, sig, NOW)).toBe('bad');
    expect(signer.verify(`${KEY}x`, expires, sig, NOW)).toBe('bad');
    // extending the link breaks it, and so does shortening it
    expect(signer.verify(KEY, expires + 3600, sig, NOW)).toBe('bad');
    expect(signer.verify(KEY, expires - 1, sig, NOW)).toBe('bad');
    const flipped = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    expect(signer.verify(KEY, expires, flipped, NOW)).toBe('bad');
    expect(signer.verify(KEY, expires, sig.slice(0, -1), NOW)).toBe('bad');
    expect(signer.verify(KEY, expires, `${sig}A`, NOW)).toBe('bad');
    expect(signer.verify(KEY, expires, '', NOW)).toBe('bad');
  });

  it('tells an expired but genuine link apart only when the signature is valid', () => {
    const old = signer.sign(KEY, NOW - 10);
    expect(signer.verify(KEY, old.expires, old.sig, NOW)).toBe('expired');
    expect(signer.verify(KEY, old.expires, old.sig.replace(/^./, (c) => (c === 'x' ? 'y' : 'x')), NOW)).toBe('bad');
  });

  it('rejects non-integer expiries (a missing query parameter parses as NaN)', () => {
    const { sig } = signer.sign(KEY, NOW + 900);
    for (const e of [Number.NaN, Number(undefined), Number(''), NOW + 900.5, Infinity]) {
      expect(signer.verify(KEY, e, sig, NOW)).toBe('bad');
    }
  });

  it('a different secret does not verify', () => {
    const { expires, sig } = signer.sign(KEY, NOW + 900);
    expect(new UrlSigner('another-secret').verify(KEY, expires, sig, NOW)).toBe('bad');
  });

  it('key and expiry cannot be shifted into each other', () => {
    // the MAC covers "key\nexpires", so moving digits between the two must not verify
    const a = signer.sign('a/b1', 23);
    expect(signer.verify('a/b', 123, a.sig, 0)).toBe('bad');
  });

  it('signedPath builds /files/<key>?expires=&sig= that verifies', () => {
    const p = signedPath(signer, 'acct/task/my file.wav', NOW + 60);
    const url = new URL(p, 'http://x');
    expect(url.pathname).toBe('/files/acct/task/my%20file.wav');
    const key = decodeURIComponent(url.pathname.slice('/files/'.length));
    expect(signer.verify(key, Number(url.searchParams.get('expires')), url.searchParams.get('sig')!, NOW)).toBe('ok');
  });
});
