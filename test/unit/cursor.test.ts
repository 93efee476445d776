import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../src/api/native/cursor.js';
import { newTaskId } from '../../src/core/ids.js';

const expectInvalid = (cursor: string) => {
  expect(() => decodeCursor(cursor), cursor).toThrowError(expect.objectContaining({ code: 'INVALID_REQUEST', status: 400 }));
};

describe('list cursors', () => {
  it('round-trips task ids and is opaque and URL-safe', () => {
    for (let i = 0; i < 50; i++) {
      const id = newTaskId();
      const c = encodeCursor(id);
      expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(c).not.toContain(id);
      expect(decodeCursor(c)).toBe(id);
    }
  });

  it('rejects garbage with INVALID_REQUEST and a message saying what to pass', () => {
    const id = newTaskId();
    for (const bad of [
      '', 'abc', '!!!', '%%%',
      Buffer.from(id).toString('base64url'), // no prefix
      Buffer.from('t:not-a-uuid').toString('base64url'),
      Buffer.from(`t:${id}x`).toString('base64url'),
      Buffer.from(`t:${id.toUpperCase()}`).toString('base64url'),
      Buffer.from(`x:${id}`).toString('base64url'),
      encodeCursor(id).slice(0, -2),
      encodeCursor('../../etc/passwd'),
    ]) {
      expectInvalid(bad);
    }
    expect(() => decodeCursor('abc')).toThrowError(/next_cursor/);
  });
});
