/**
 * Fetches reference audio from an http(s) URL with a size cap, a deadline and a connect-time
 * address check: the DNS answer is filtered inside `lookup`, so a name that resolves to a
 * private address is refused at the moment of connecting (no check-then-connect gap), also
 * after redirects. node:http is used rather than fetch because only it exposes `lookup`.
 */
import http from 'node:http';
import https from 'node:https';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isPrivateAddress, isLocalName, literalHost } from './private-address.js';

export class FetchRefused extends Error {
  override name = 'FetchRefused';
}

export interface FetchOptions {
  maxBytes: number;
  timeoutMs: number;
  allowPrivate: boolean;
  signal: AbortSignal;
  maxRedirects?: number;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: object, callback: LookupCallback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      const list = addresses as LookupAddress[];
      const ok = allowPrivate ? list : list.filter((a) => !isPrivateAddress(a.address));
      if (ok.length === 0) {
        const e = new FetchRefused(`"${hostname}" resolves only to private or reserved addresses, which reference URLs may not reach on this server`) as NodeJS.ErrnoException;
        return callback(e, '');
      }
      if ((options as { all?: boolean }).all) return callback(null, ok);
      callback(null, ok[0]!.address, ok[0]!.family);
    });
  };
}

export function checkUrlTarget(url: URL, allowPrivate: boolean): string | null {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `only http and https URLs are fetched, not ${url.protocol}`;
  if (url.username || url.password) return 'URLs with credentials are not fetched';
  if (allowPrivate) return null;
  const ip = literalHost(url);
  if ((ip && isPrivateAddress(ip)) || isLocalName(url.hostname)) {
    return `"${url.hostname}" is a private or local address, which reference URLs may not reach on this server`;
  }
  return null;
}

export function fetchUrl(raw: string, opts: FetchOptions, redirects = opts.maxRedirects ?? 3): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const url = new URL(raw);
    const refused = checkUrlTarget(url, opts.allowPrivate);
    if (refused) return reject(new FetchRefused(refused));
    const client = url.protocol === 'https:' ? https : http;
    const req = client.get(url, {
      lookup: guardedLookup(opts.allowPrivate) as never,
      timeout: opts.timeoutMs,
      signal: opts.signal,
      headers: { accept: 'audio/*', 'user-agent': 'genq reference fetcher' },
    });
    const deadline = setTimeout(() => req.destroy(new FetchRefused(`the URL did not answer within ${opts.timeoutMs / 1000} s`)), opts.timeoutMs);
    const done = (f: () => void) => {
      clearTimeout(deadline);
      f();
    };
    req.on('timeout', () => req.destroy(new FetchRefused(`the URL did not answer within ${opts.timeoutMs / 1000} s`)));
    req.on('error', (e) => done(() => reject(e instanceof FetchRefused ? e : new FetchRefused(`the URL could not be fetched: ${(e as NodeJS.ErrnoException).code ?? e.message}`))));
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        if (redirects <= 0) return done(() => reject(new FetchRefused('the URL redirected too many times')));
        return done(() => fetchUrl(new URL(res.headers.location!, url).href, opts, redirects - 1).then(resolve, reject));
      }
      if (status < 200 || status >= 300) {
        res.resume();
        return done(() => reject(new FetchRefused(`the URL answered HTTP ${status}`)));
      }
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > opts.maxBytes) {
        res.destroy();
        return done(() => reject(new FetchRefused(`the file is ${declared} bytes; the limit is ${opts.maxBytes}`)));
      }
      const parts: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > opts.maxBytes) {
          res.destroy();
          done(() => reject(new FetchRefused(`the file is larger than the limit of ${opts.maxBytes} bytes`)));
          return;
        }
        parts.push(chunk);
      });
      res.on('end', () => done(() => resolve(new Uint8Array(Buffer.concat(parts)))));
      res.on('error', (e) => done(() => reject(new FetchRefused(`the download broke off: ${e.message}`))));
    });
  });
}
