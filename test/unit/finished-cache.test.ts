import { describe, expect, it } from 'vitest';
import { FinishedTaskCache } from '../../src/core/finished-cache.js';
import type { Task } from '../../src/core/task.js';

const task = (id: string) => ({ id, account_id: 'a', status: 'succeeded' }) as Task;

describe('FinishedTaskCache', () => {
  it('returns what was put until the entry ages out', () => {
    let now = 1000;
    const c = new FinishedTaskCache(10, 500, () => now);
    c.put(task('x'));
    expect(c.get('x')?.id).toBe('x');
    now += 500;
    expect(c.get('x')?.id).toBe('x');
    now += 1;
    expect(c.get('x')).toBeUndefined();
  });

  it('stays within its bound, dropping the oldest first', () => {
    const c = new FinishedTaskCache(10, 60_000);
    for (let i = 0; i < 25; i++) c.put(task(`t${i}`));
    const present = Array.from({ length: 25 }, (_, i) => c.get(`t${i}`) !== undefined);
    expect(present.filter(Boolean).length).toBeLessThanOrEqual(10);
    expect(present[24]).toBe(true);
    expect(present[0]).toBe(false);
  });

  it('forgets on request', () => {
    const c = new FinishedTaskCache();
    c.put(task('x'));
    c.forget(['x']);
    expect(c.get('x')).toBeUndefined();
  });
});
