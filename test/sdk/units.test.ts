/** The SDK's pure parts: the SSE parser, Retry-After, backoff, idempotency keys; and that it stays browser-safe. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Genq, SseParser, backoffMs, newIdempotencyKey, parseRetryAfter, readSse } from '../../dist/sdk/index.js';
import { ROOT } from '../helpers/server.js';

const parseAll = (chunks: string[]) => {
  const p = new SseParser();
  return { messages: chunks.flatMap((c) => p.push(c)), parser: p };
};

describe('SseParser', () => {
  it('parses id, event, multi-line data, comments and retry', () => {
    const { messages, parser } = parseAll([': hello\nretry: 2000\n\nid: 7\nevent: task.progress\ndata: {"a":\ndata: 1}\n\n']);
    expect(messages).toEqual([{ lastEventId: '7', event: 'task.progress', data: '{"a":\n1}' }]);
    expect(parser.retryMs).toBe(2000);
  });

  it('handles CRLF and CR line ends, also split across chunks', () => {
    const text = 'id: 1\r\ndata: a\r\n\r\nid: 2\rdata: b\r\rdata: c\n\n';
    for (let cut = 0; cut <= text.length; cut++) {
      const { messages } = parseAll([text.slice(0, cut), text.slice(cut)]);
      expect(messages.map((m) => [m.lastEventId, m.data])).toEqual([['1', 'a'], ['2', 'b'], ['2', 'c']]);
    }
  });

  it('follows the standard on the edge cases', () => {
    const { messages } = parseAll([
      'data\n\n', // a field with no colon: empty data
      'data:no-space\n\n',
      'event: x\n\n', // no data: nothing is dispatched, and the event type resets
      'data: y\n\n',
      'id: a\0b\ndata: z\n\n', // an id with NUL is ignored
      'retry: soon\nunknown: 1\ndata: w\n\n',
      'data: unfinished', // never completed
    ]);
    expect(messages).toEqual([
      { lastEventId: '', event: 'message', data: '' },
      { lastEventId: '', event: 'message', data: 'no-space' },
      { lastEventId: '', event: 'message', data: 'y' },
      { lastEventId: '', event: 'message', data: 'z' },
      { lastEventId: '', event: 'message', data: 'w' },
    ]);
  });

  it('reads a byte stream, multi-byte characters split between chunks included', async () => {
    const bytes = new TextEncoder().encode('id: 1\ndata: “héllo” ✓\n\n');
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < bytes.length; i += 3) c.enqueue(bytes.subarray(i, i + 3));
        c.close();
      },
    });
    const out = [];
    for await (const m of readSse(stream)) out.push(m);
    expect(out).toEqual([{ lastEventId: '1', event: 'message', data: '“héllo” ✓' }]);
  });
});

describe('events() over a stalled stream', () => {
  it('drops a stream that went silent and resumes after the last event id', async () => {
    const calls: Array<Record<string, string>> = [];
    const event = (seq: number, status: string) =>
      `id: ${seq}\nevent: task.${status}\ndata: ${JSON.stringify({ seq, type: `task.${status}`, status, progress: null, at: new Date().toISOString(), task: { id: 't', status } })}\n\n`;
    const fakeFetch = async (_url: string, init: RequestInit) => {
      calls.push(init.headers as Record<string, string>);
      const first = calls.length === 1;
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          if (first) c.enqueue(new TextEncoder().encode(event(1, 'queued'))); // …then nothing, not even a keepalive
          else {
            c.enqueue(new TextEncoder().encode(event(2, 'running') + event(3, 'succeeded')));
            c.close();
          }
          init.signal?.addEventListener('abort', () => c.error(init.signal!.reason));
        },
      });
      return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
    };
    const genq = new Genq({ baseUrl: 'http://genq.test', apiKey: 'sk_x', fetch: fakeFetch });
    const seen: number[] = [];
    const started = Date.now();
    for await (const e of genq.tasks.events('t', { idleTimeoutMs: 300 })) seen.push(e.seq);
    expect(seen).toEqual([1, 2, 3]);
    expect(calls).toHaveLength(2);
    expect(calls[0]!['last-event-id']).toBeUndefined();
    expect(calls[1]!['last-event-id']).toBe('1');
    expect(calls[1]!.authorization).toBe('Bearer sk_x');
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe('Retry-After and backoff', () => {
  const now = Date.parse('2026-11-24T12:00:00Z');
  it('reads seconds and HTTP dates, never NaN', () => {
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Tue, 24 Nov 2026 12:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Tue, 24 Nov 2026 11:00:00 GMT', now)).toBe(0); // in the past
    for (const bad of [null, undefined, '', '1.5', '-3', 'soon', 'Tue, 99 Foo']) expect(parseRetryAfter(bad as string, now)).toBeNull();
  });

  it('backs off exponentially with jitter, capped', () => {
    expect(backoffMs(0, 500, 20_000, () => 0)).toBe(250);
    expect(backoffMs(0, 500, 20_000, () => 1)).toBe(500);
    expect(backoffMs(3, 500, 20_000, () => 1)).toBe(4000);
    expect(backoffMs(40, 500, 20_000, () => 1)).toBe(20_000);
    expect(backoffMs(40, 500, 20_000, () => 0)).toBe(10_000);
  });

  it('makes random UUID v4 idempotency keys', () => {
    const keys = new Set(Array.from({ length: 100 }, () => newIdempotencyKey()));
    expect(keys.size).toBe(100);
    for (const k of keys) expect(k).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('browser-safe build', () => {
  it('dist/sdk imports nothing but its own files (no node:, no packages)', () => {
    const dir = path.join(ROOT, 'dist/sdk');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.js'));
    expect(files).toContain('index.js');
    for (const f of files) {
      const src = fs.readFileSync(path.join(dir, f), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
      const specifiers = [...src.matchAll(/\b(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]/g)].map((m) => m[1] ?? m[2]);
      for (const s of specifiers) expect(s, `${f} imports ${s}`).toMatch(/^\.\/[\w-]+\.js$/);
      expect(src, f).not.toMatch(/\b(process|Buffer|require)\b[.(]/);
    }
  });

  it('is exported as genq/sdk', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.exports['./sdk']).toBe('./dist/sdk/index.js');
    const viaName = await import('genq/sdk');
    expect(typeof viaName.Genq).toBe('function');
  });
});
