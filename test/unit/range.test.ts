import { describe, expect, it } from 'vitest';
import { parseRange } from '../../src/api/files-route.js';

const SIZE = 1000;

describe('parseRange', () => {
  it('serves the whole file without a header', () => {
    expect(parseRange(undefined, SIZE)).toBeNull();
    expect(parseRange('', SIZE)).toBeNull();
  });

  it('parses a closed range and clamps its end to the file', () => {
    expect(parseRange('bytes=0-99', SIZE)).toEqual({ start: 0, end: 99 });
    expect(parseRange('bytes=0-0', SIZE)).toEqual({ start: 0, end: 0 });
    expect(parseRange('bytes=999-999', SIZE)).toEqual({ start: 999, end: 999 });
    expect(parseRange('bytes=500-5000', SIZE)).toEqual({ start: 500, end: 999 });
    expect(parseRange('bytes=0-99999999999999999999', SIZE)).toEqual({ start: 0, end: 999 });
    expect(parseRange('  bytes=10-20  ', SIZE)).toEqual({ start: 10, end: 20 });
  });

  it('parses an open-ended range', () => {
    expect(parseRange('bytes=100-', SIZE)).toEqual({ start: 100, end: 999 });
    expect(parseRange('bytes=0-', SIZE)).toEqual({ start: 0, end: 999 });
    expect(parseRange('bytes=999-', SIZE)).toEqual({ start: 999, end: 999 });
  });

  it('parses a suffix range, larger-than-file suffixes meaning the whole file', () => {
    expect(parseRange('bytes=-100', SIZE)).toEqual({ start: 900, end: 999 });
    expect(parseRange('bytes=-1', SIZE)).toEqual({ start: 999, end: 999 });
    expect(parseRange('bytes=-1000', SIZE)).toEqual({ start: 0, end: 999 });
    expect(parseRange('bytes=-5000', SIZE)).toEqual({ start: 0, end: 999 });
  });

  it('reports unsatisfiable ranges', () => {
    for (const h of ['bytes=1000-', 'bytes=1000-1001', 'bytes=5000-6000', 'bytes=20-10', 'bytes=-0', 'bytes=-']) {
      expect(parseRange(h, SIZE), h).toBe('bad');
    }
    // nothing at all is satisfiable in an empty file
    for (const h of ['bytes=0-', 'bytes=0-0', 'bytes=-5']) expect(parseRange(h, 0), h).toBe('bad');
  });

  it('ignores multi-range and malformed headers (whole file, as RFC 9110 allows)', () => {
    for (const h of ['bytes=0-1,5-6', 'bytes=0-1, 5-6', 'items=0-5', 'bytes=a-b', 'bytes 0-5', 'bytes=1.5-3', 'bytes=--5', '0-5']) {
      expect(parseRange(h, SIZE), h).toBeNull();
    }
  });

  it('always returns a range inside the file', () => {
    const headers: string[] = [];
    for (const a of ['', '0', '1', '7', '99', '100', '101']) for (const b of ['', '0', '1', '7', '99', '100', '101']) headers.push(`bytes=${a}-${b}`);
    for (const size of [0, 1, 2, 7, 100]) {
      for (const h of headers) {
        const r = parseRange(h, size);
        if (r === null || r === 'bad') continue;
        expect(r.start, `${h} of ${size}`).toBeGreaterThanOrEqual(0);
        expect(r.start).toBeLessThanOrEqual(r.end);
        expect(r.end).toBeLessThan(size);
      }
    }
  });
});
