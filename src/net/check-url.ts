/**
 * The check on a URL genq is asked to call (webhook, reference audio), when it is accepted
 * and again before each use. It judges the raw string before parsing, because WHATWG URL
 * quietly drops tabs and newlines ("http://a.example/\r\nX-Evil: 1" parses fine), then the
 * parsed URL: scheme, credentials, and a host that is a private literal address or a local
 * name. Names that resolve to private addresses are refused later, at connect time.
 */
import { GenqError } from '../core/errors.js';
import { hostRisk } from './private-address.js';

export const MAX_URL_LENGTH = 2048;

// C0 and C1 controls, DEL, and every kind of space (JS \s covers the Unicode ones and BOM)
const CONTROL_OR_SPACE = /[\u0000-\u0020\u007f-\u009f\s]/u;

/** Why a parsed URL may not be called, or null. Scheme, credentials, private host. */
export function urlRefusal(url: URL, allowPrivate: boolean): { reason: 'url_not_allowed' | 'refused_private_address'; message: string } | null {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { reason: 'url_not_allowed', message: `only http and https URLs are allowed, not ${url.protocol.replace(/:$/, '')}` };
  }
  if (url.username || url.password) return { reason: 'url_not_allowed', message: 'URLs with credentials (user:password@) are not allowed' };
  if (allowPrivate) return null;
  const risk = hostRisk(url);
  if (risk) {
    return {
      reason: 'refused_private_address',
      message: `"${url.hostname}" is a private or local address (${risk}); this server connects to those only when started with --allow-private-urls`,
    };
  }
  return null;
}

const notAllowed = (purpose: string, message: string) =>
  new GenqError('URL_NOT_ALLOWED', `${purpose}: ${message}`, { status: 400, type: 'invalid_request', details: { field: purpose } });

/**
 * Parses and checks a URL genq will call; returns it parsed. Throws URL_NOT_ALLOWED (400)
 * naming `purpose` (e.g. "webhook.url") and what is wrong. Private hosts pass when
 * `allowPrivate` (the operator's --allow-private-urls).
 */
export function checkOutboundUrl(raw: string, opts: { allowPrivate: boolean; purpose: string }): URL {
  if (typeof raw !== 'string' || raw.length === 0) throw notAllowed(opts.purpose, 'a URL is required');
  if (raw.length > MAX_URL_LENGTH) throw notAllowed(opts.purpose, `the URL is ${raw.length} characters long; the limit is ${MAX_URL_LENGTH}`);
  const bad = CONTROL_OR_SPACE.exec(raw);
  if (bad) {
    const cp = bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    throw notAllowed(opts.purpose, `the URL contains a control or whitespace character (U+${cp} at position ${bad.index}); percent-encode it`);
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw notAllowed(opts.purpose, 'not a valid absolute URL');
  }
  const refused = urlRefusal(url, opts.allowPrivate);
  if (refused) throw notAllowed(opts.purpose, refused.message);
  return url;
}
