/** File URL expiry on a grid, and the cache of finished tasks' rendered JSON that the grid makes possible. */
import { describe, expect, it } from 'vitest';
import { fileUrlExpiry, renderTask } from '../../src/api/native/render.js';
import { RenderedTaskCache } from '../../src/api/rendered-cache.js';
import { BoundedMap } from '../../src/core/bounded-map.js';
import { UrlSigner } from '../../src/storage/url-signer.js';
import { inState } from './dialects/fixtures.js';
import type { Task } from '../../src/core/task.js';

const T = Date.UTC(2026, 10, 25, 12, 0, 1);
const rc = (nowMs: number, baseUrl = 'https://genq.example') => ({ signer: new UrlSigner('s'), baseUrl, fileUrlTtlS: 900, nowMs });
/** the native view, as GET /v1/tasks/{id} draws it */
const json = (cache: RenderedTaskCache, task: Task, at: ReturnType<typeof rc>) => cache.text(task, at, () => JSON.stringify(renderTask(task, at)));

describe('fileUrlExpiry', () => {
  it('is never sooner than the TTL, at most one step later, on a grid of a minute (or a tenth of a short TTL)', () => {
    for (let ms = T; ms < T + 180_000; ms += 997) {
      const nowS = Math.floor(ms / 1000);
      const e = fileUrlExpiry(ms, 900);
      expect(e - nowS).toBeGreaterThanOrEqual(900);
      expect(e - nowS).toBeLessThan(960);
      expect(e % 60).toBe(0);
    }
    expect(fileUrlExpiry(T + 1500, 1)).toBe(Math.floor((T + 1500) / 1000) + 1);
    expect(fileUrlExpiry(T + 1000, 100) % 10).toBe(0);
  });
});

describe('RenderedTaskCache', () => {
  const done = inState('succeeded');

  it('answers a finished task with exactly what rendering it gives, rendered once per grid step and base URL', () => {
    const cache = new RenderedTaskCache();
    const first = json(cache, done, rc(T));
    expect(JSON.parse(first)).toEqual(renderTask(done, rc(T)));
    // same step: the very same string (no new signature)
    expect(json(cache, done, rc(T + 20_000))).toBe(first);
    // the next step: a new expiry, signed afresh
    const later = json(cache, done, rc(T + 60_000));
    expect(later).not.toBe(first);
    expect(JSON.parse(later)).toEqual(renderTask(done, rc(T + 60_000)));
    // another host name asked: its own URLs
    expect(JSON.parse(json(cache, done, rc(T, 'http://other:8080'))).result.files[0].url).toMatch(/^http:\/\/other:8080\/files\//);
  });

  it('never caches a task that can still change', () => {
    const cache = new RenderedTaskCache();
    const running = inState('running');
    const a = json(cache, running, rc(T));
    const b = json(cache, { ...running, progress: 0.9 }, rc(T));
    expect(JSON.parse(b).progress).toBe(0.9);
    expect(a).not.toBe(b);
  });
});

describe('BoundedMap', () => {
  it('holds at most its bound, dropping the oldest tenth when full', () => {
    const m = new BoundedMap<number, number>(20);
    for (let i = 0; i < 100; i++) m.set(i, i);
    expect(m.size).toBeLessThanOrEqual(20);
    expect(m.has(99)).toBe(true);
    expect(m.has(0)).toBe(false);
    // overwriting a present key drops nothing
    const before = m.size;
    m.set(99, -1);
    expect(m.size).toBe(before);
  });
});

describe('RenderedTaskCache views', () => {
  it('keeps one answer per view: two routes drawing the same task never share a string', () => {
    const cache = new RenderedTaskCache();
    const done = inState('succeeded');
    const at = rc(T);
    expect(cache.text(done, at, () => 'native', 'native')).toBe('native');
    expect(cache.text(done, at, () => 'vendor', 'vendor')).toBe('vendor');
    expect(cache.text(done, at, () => 'again', 'native')).toBe('native');
  });
});

describe('RenderedTaskCache bounds', () => {
  it('holds at most its budget of characters, and never an answer over 64 KiB', () => {
    const cache = new RenderedTaskCache(10_000);
    const done = inState('succeeded');
    // one task asked for under many Host names (GENQ_PUBLIC_URL unset): the budget holds
    for (let i = 0; i < 100; i++) cache.text(done, rc(T, `http://h${i}`), () => 'x'.repeat(1000));
    expect(cache.size).toBeLessThanOrEqual(10_000);
    expect(cache.size).toBeGreaterThan(8_000);
    const big = new RenderedTaskCache();
    let draws = 0;
    for (let i = 0; i < 2; i++) big.text(done, rc(T), () => (draws++, 'y'.repeat(70_000)));
    expect(draws).toBe(2);
    expect(big.size).toBe(0);
  });
});
