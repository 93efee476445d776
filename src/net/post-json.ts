/**
 * One JSON POST to a URL an account gave us (a webhook delivery). It connects only through
 * the guarded lookup, never follows redirects (the caller counts a 3xx as a failure, like any
 * non-2xx), gives the whole exchange one deadline (so a receiver that accepts and then never
 * answers, or trickles bytes, cannot hold a worker), and reads at most `maxResponseBytes` of
 * the answer before hanging up. Failures are OutboundErrors whose message never contains the
 * body we sent.
 */
import http from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
import { agentFor, type Resolver } from './guarded-lookup.js';
import { urlRefusal } from './check-url.js';
import { OutboundError, toOutboundError } from './outbound-error.js';

const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
export const WEBHOOK_USER_AGENT = `genq-webhooks/${VERSION}`;
export const DEFAULT_MAX_RESPONSE_BYTES = 4096;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

export interface PostOptions {
  /** the whole exchange: connect, send, headers and the (capped) response body */
  timeoutMs: number;
  /** the operator's --allow-private-urls */
  allowPrivate: boolean;
  signal?: AbortSignal;
  /** how much of the response body to read before hanging up; default 4 KiB */
  maxResponseBytes?: number;
  /** DNS resolver behind the guarded lookup; tests inject one, everyone else leaves it out */
  resolve?: Resolver;
}

export interface PostResult {
  /** the HTTP status, 3xx included: nothing is followed */
  status: number;
  /** milliseconds from the start until the response was read (or cut off) */
  ms: number;
  /** the first `maxResponseBytes` of the response body, as UTF-8 */
  bodySnippet: string;
}

/** Lower-cased headers to send; throws invalid_header for a bad name or a CR/LF/NUL in a value. */
function headersFor(given: Record<string, string>, body: string): Record<string, string> {
  const out: Record<string, string> = { 'user-agent': WEBHOOK_USER_AGENT };
  for (const [name, value] of Object.entries(given)) {
    if (!TOKEN.test(name)) throw new OutboundError('invalid_header', `header name ${JSON.stringify(name.slice(0, 64))} is not a valid HTTP token`);
    if (typeof value !== 'string' || !FIELD_VALUE.test(value)) {
      throw new OutboundError('invalid_header', `header "${name}" has a value with a control character (CR, LF, NUL…) or a character outside Latin-1`);
    }
    out[name.toLowerCase()] = value;
  }
  out['content-type'] = 'application/json';
  out['content-length'] = String(Buffer.byteLength(body));
  return out;
}

export async function postJson(url: URL, body: string, headers: Record<string, string>, opts: PostOptions): Promise<PostResult> {
  // checked again here, not only when the URL was accepted: the operator's setting may have changed since
  const refused = urlRefusal(url, opts.allowPrivate);
  if (refused) throw new OutboundError(refused.reason, refused.message);
  const sendHeaders = headersFor(headers, body);
  const max = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const prefix = `POST to ${url.host} failed: `;
  if (opts.signal?.aborted) throw new OutboundError('aborted', `${prefix}cancelled before it started`);
  const started = performance.now();
  const client = url.protocol === 'https:' ? https : http;

  return new Promise<PostResult>((resolve, reject) => {
    let settled = false;
    let status = 0;
    const settle = (outcome: PostResult | OutboundError) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      opts.signal?.removeEventListener('abort', onAbort);
      if (outcome instanceof OutboundError) {
        req.destroy();
        reject(outcome);
      } else resolve(outcome);
    };
    const onAbort = () => settle(new OutboundError('aborted', `${prefix}cancelled`));
    const deadline = setTimeout(() => {
      const stage = status ? `HTTP ${status} arrived but the body did not finish` : 'no answer';
      settle(new OutboundError('timeout', `${prefix}${stage} within ${opts.timeoutMs} ms`));
    }, opts.timeoutMs);
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const req = client.request(url, {
      method: 'POST',
      headers: sendHeaders,
      agent: agentFor(url.protocol as 'http:' | 'https:', opts.allowPrivate, opts.resolve),
    });
    req.on('error', (e) => settle(toOutboundError(e, prefix)));
    req.on('response', (res) => {
      status = res.statusCode ?? 0;
      const parts: Buffer[] = [];
      let size = 0;
      const done = (cut: boolean) => {
        const bodySnippet = new TextDecoder().decode(Buffer.concat(parts).subarray(0, max));
        settle({ status, ms: Math.round((performance.now() - started) * 100) / 100, bodySnippet });
        // a cut-off answer leaves the connection mid-body: it cannot go back to the pool
        if (cut) req.destroy();
      };
      res.on('data', (chunk: Buffer) => {
        if (settled) return;
        parts.push(chunk);
        size += chunk.length;
        if (size > max) done(true);
      });
      res.on('end', () => done(false));
      res.on('error', (e) => settle(toOutboundError(e, prefix)));
      // 'close' follows every 'end': the error (and its stack trace) is made only when it is the first word
      res.on('close', () => settled || settle(new OutboundError('connect_error', `${prefix}the connection closed before the answer was complete`)));
    });
    req.end(body);
  });
}
