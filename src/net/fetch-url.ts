/**
 * GET of a URL an account gave us (reference audio), with a size cap, one deadline for the
 * whole exchange including redirects, and the connect-time address check of the guarded
 * lookup. Each redirect target is checked like the first URL (scheme, credentials, private
 * literal host) before it is followed. node:http rather than fetch: only it takes `lookup`.
 */
import http from 'node:http';
import https from 'node:https';
import { agentFor } from './guarded-lookup.js';
import { urlRefusal } from './check-url.js';
import { OutboundError, toOutboundError } from './outbound-error.js';

export { guardedLookup } from './guarded-lookup.js';
/** The name the voice lab knows fetch failures by: every failure is an OutboundError. */
export { OutboundError as FetchRefused } from './outbound-error.js';

export interface FetchOptions {
  maxBytes: number;
  timeoutMs: number;
  allowPrivate: boolean;
  signal: AbortSignal;
  maxRedirects?: number;
}

export function fetchUrl(raw: string, opts: FetchOptions): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let req: http.ClientRequest | undefined;
    const settle = (outcome: Uint8Array | OutboundError) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      opts.signal.removeEventListener('abort', onAbort);
      if (outcome instanceof OutboundError) {
        req?.destroy();
        reject(outcome);
      } else resolve(outcome);
    };
    const onAbort = () => settle(new OutboundError('aborted', 'the download was cancelled'));
    const deadline = setTimeout(() => settle(new OutboundError('timeout', `the URL did not answer within ${opts.timeoutMs / 1000} s`)), opts.timeoutMs);
    if (opts.signal.aborted) return onAbort();
    opts.signal.addEventListener('abort', onAbort, { once: true });

    const get = (href: string, redirectsLeft: number) => {
      let url: URL;
      try {
        url = new URL(href);
      } catch {
        return settle(new OutboundError('url_not_allowed', 'the URL (or a redirect) is not a valid absolute URL'));
      }
      const refused = urlRefusal(url, opts.allowPrivate);
      if (refused) return settle(new OutboundError(refused.reason, refused.message));
      const client = url.protocol === 'https:' ? https : http;
      const mine = client.get(url, {
        agent: agentFor(url.protocol as 'http:' | 'https:', opts.allowPrivate),
        headers: { accept: 'audio/*', 'user-agent': 'genq reference fetcher' },
      });
      req = mine;
      // a request left behind by a redirect no longer decides anything
      mine.on('error', (e) => req === mine && settle(toOutboundError(e, 'the URL could not be fetched: ')));
      mine.on('response', (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400 && res.headers.location) {
          res.resume();
          if (redirectsLeft <= 0) return settle(new OutboundError('too_many_redirects', 'the URL redirected too many times'));
          let next: string;
          try {
            next = new URL(res.headers.location, url).href;
          } catch {
            return settle(new OutboundError('protocol_error', 'the URL redirected to an invalid location'));
          }
          return get(next, redirectsLeft - 1);
        }
        if (status < 200 || status >= 300) {
          res.resume();
          return settle(new OutboundError('http_status', `the URL answered HTTP ${status}`));
        }
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > opts.maxBytes) {
          return settle(new OutboundError('response_too_large', `the file is ${declared} bytes; the limit is ${opts.maxBytes}`));
        }
        const parts: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > opts.maxBytes) return settle(new OutboundError('response_too_large', `the file is larger than the limit of ${opts.maxBytes} bytes`));
          parts.push(chunk);
        });
        res.on('end', () => settle(new Uint8Array(Buffer.concat(parts))));
        res.on('error', (e) => settle(new OutboundError('connect_error', `the download broke off: ${e.message}`)));
        res.on('close', () => settle(new OutboundError('connect_error', 'the download broke off before the end')));
      });
    };
    get(raw, opts.maxRedirects ?? 3);
  });
}
