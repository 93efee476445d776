/**
 * The one error outbound requests fail with: a short `reason` code for logs, metrics and
 * retry decisions, and a message fit to show the account (never our request body).
 */
export type OutboundReason =
  | 'url_not_allowed' // scheme, credentials, length, control characters
  | 'refused_private_address' // the host is, or resolves only to, a private or reserved address
  | 'invalid_header' // a header we were asked to send is malformed (CR/LF/NUL, bad name)
  | 'dns_error'
  | 'connect_error' // refused, reset, unreachable, closed early
  | 'tls_error'
  | 'protocol_error' // the answer was not valid HTTP
  | 'timeout'
  | 'aborted' // the caller's signal fired
  | 'http_status' // fetchUrl: a non-2xx answer
  | 'too_many_redirects'
  | 'response_too_large';

export class OutboundError extends Error {
  override name = 'OutboundError';
  constructor(readonly reason: OutboundReason, message: string, opts?: { cause?: unknown }) {
    super(message, opts);
  }
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'ENODATA', 'ESERVFAIL', 'ETIMEOUT']);

/**
 * Turns what node:http/net/tls throw into an OutboundError whose message is `prefix` plus what
 * went wrong, e.g. "the URL could not be fetched: " + "connection failed (ECONNREFUSED)".
 */
export function toOutboundError(e: unknown, prefix: string): OutboundError {
  if (e instanceof OutboundError) return e;
  const err = e as NodeJS.ErrnoException & { library?: string };
  const code = typeof err?.code === 'string' ? err.code : '';
  const make = (reason: OutboundReason, detail: string) => new OutboundError(reason, `${prefix}${detail}${code ? ` (${code})` : ''}`, { cause: e });
  if (DNS_CODES.has(code) || err?.syscall === 'getaddrinfo') return make('dns_error', 'DNS lookup failed');
  if (/^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_)/.test(code) || code === 'EPROTO' || err?.library === 'SSL routines') {
    return make('tls_error', 'TLS handshake failed');
  }
  if (code.startsWith('HPE_')) return make('protocol_error', 'the answer was not valid HTTP');
  if (code === 'ERR_INVALID_CHAR' || code === 'ERR_INVALID_HTTP_TOKEN') return make('invalid_header', 'a request header is not valid');
  return make('connect_error', code ? 'connection failed' : `connection failed: ${err?.message ?? 'unknown error'}`);
}
