/**
 * One webhook POST: no redirects, one deadline from connect to the last byte read, and the
 * private-address policy checked on the literal host and again on every address DNS answers
 * at connect time (so a name cannot be re-pointed at a private address after the check).
 *
 * TODO(net): replace with src/net/outbound postJson once it lands on main; this file keeps
 * exactly its signature so the swap is one import in src/app.ts.
 */
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { checkUrlTarget, FetchRefused, guardedLookup } from '../net/fetch-url.js';

export interface PostOptions {
  timeoutMs: number;
  allowPrivate: boolean;
  signal?: AbortSignal;
  maxResponseBytes?: number;
}

export interface PostResult {
  status: number;
  ms: number;
  bodySnippet: string;
}

export type PostJson = (url: URL, body: string, headers: Record<string, string>, opts: PostOptions) => Promise<PostResult>;

export class OutboundError extends Error {
  override name = 'OutboundError';
  constructor(readonly reason: 'refused_address' | 'timeout' | 'aborted' | 'connect' | 'invalid_url', message: string) {
    super(message);
  }
}

export const postJson: PostJson = (url, body, headers, opts) =>
  new Promise((resolve, reject) => {
    const refused = checkUrlTarget(url, opts.allowPrivate);
    if (refused) return reject(new OutboundError('refused_address', refused.replace('reference URLs', 'webhooks')));
    const started = performance.now();
    const max = opts.maxResponseBytes ?? 1024;
    const req = (url.protocol === 'https:' ? https : http).request(url, {
      method: 'POST',
      agent: false,
      lookup: guardedLookup(opts.allowPrivate) as never,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'genq-webhooks/0.1', ...headers },
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    const deadline = setTimeout(() => req.destroy(new OutboundError('timeout', `no complete answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    const settle = (f: () => void) => {
      clearTimeout(deadline);
      f();
    };
    req.on('error', (e: NodeJS.ErrnoException) => settle(() => {
      if (e instanceof OutboundError) return reject(e);
      if (e instanceof FetchRefused) return reject(new OutboundError('refused_address', e.message.replace('reference URLs', 'webhooks')));
      if (e.name === 'AbortError') return reject(new OutboundError('aborted', 'the attempt was abandoned'));
      reject(new OutboundError('connect', `connection failed: ${e.code ?? e.message}`));
    }));
    req.on('response', (res) => {
      const parts: Buffer[] = [];
      let size = 0;
      const done = () => settle(() => {
        res.destroy();
        resolve({ status: res.statusCode ?? 0, ms: Math.round(performance.now() - started), bodySnippet: Buffer.concat(parts).toString('utf8').slice(0, max) });
      });
      res.on('data', (chunk: Buffer) => {
        if (size < max) parts.push(chunk.subarray(0, max - size));
        size += chunk.length;
        if (size >= max) done();
      });
      res.on('end', done);
      res.on('error', (e) => req.destroy(e));
    });
    req.end(body);
  });
