import { describe, expect, it } from 'vitest';
import { MAX_WAIT_S, parsePreferWait } from '../../src/api/native/prefer.js';
import { GenqError } from '../../src/core/errors.js';

function rejects(header: string | string[]): GenqError {
  try {
    parsePreferWait(header);
  } catch (e) {
    expect(e).toBeInstanceOf(GenqError);
    return e as GenqError;
  }
  throw new Error(`expected ${JSON.stringify(header)} to be rejected`);
}

describe('parsePreferWait', () => {
  it('returns null when no wait is asked for', () => {
    expect(parsePreferWait(undefined)).toBeNull();
    expect(parsePreferWait('')).toBeNull();
    expect(parsePreferWait('respond-async')).toBeNull();
    expect(parsePreferWait('return=minimal, handling=lenient')).toBeNull();
    expect(parsePreferWait([])).toBeNull();
    expect(parsePreferWait('waiting=5')).toBeNull();
  });

  it('reads wait=N in its common spellings', () => {
    expect(parsePreferWait('wait=5')).toBe(5);
    expect(parsePreferWait('wait=0')).toBe(0);
    expect(parsePreferWait(`wait=${MAX_WAIT_S}`)).toBe(60);
    expect(parsePreferWait('respond-async, wait=10')).toBe(10);
    expect(parsePreferWait('WAIT = 7')).toBe(7);
    expect(parsePreferWait('wait="12"')).toBe(12);
    expect(parsePreferWait('wait=007')).toBe(7);
    expect(parsePreferWait(['respond-async', 'wait=3'])).toBe(3);
    expect(parsePreferWait('wait=4, wait=9')).toBe(4); // first one wins
  });

  it('rejects bad values with a 400 INVALID_REQUEST that names the header', () => {
    for (const bad of ['wait=', 'wait', 'wait=abc', 'wait=-1', 'wait=1.5', 'wait=1e3', 'wait=5s', 'wait= 5 6', 'wait=9999999']) {
      const e = rejects(bad);
      expect(e.code, bad).toBe('INVALID_REQUEST');
      expect(e.status).toBe(400);
      expect(e.message).toMatch(/Prefer: wait/);
      expect(e.details).toEqual({ header: 'prefer' });
    }
  });

  it('rejects waits over the maximum and says what the maximum is', () => {
    const e = rejects('wait=61');
    expect(e.message).toContain(String(MAX_WAIT_S));
    expect(e.message).toContain('61');
    expect(rejects(['wait=600']).code).toBe('INVALID_REQUEST');
  });
});
