/**
 * Per-key request rate and per-address failed-authentication limits (docs/limits.md).
 *
 * One `onRequest` hook on the root instance runs before body parsing for every route of every
 * dialect. A request that presents a key is authenticated here (auth.ts shares the result with
 * the route); a key over its requests per second gets 429 RATE_LIMITED, thrown so that the
 * route's own error handler draws it in the caller's dialect. An address that presents too
 * many refused keys in a second gets 429 for any key until the second is over. Counting and
 * windows are @fastify/rate-limit's (`createRateLimit`, its in-process store); the headers are
 * drawn here because the plugin writes only the superseded `RateLimit-Limit/-Remaining/-Reset`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { ApiContext } from './context.js';
import { apiKeyOf, authenticate } from './auth.js';
import { GenqError, isGenqError } from '../core/errors.js';
import type { Principal } from '../core/accounts.js';

const WINDOW_MS = 1000;
/** keys (and addresses) counted at once per process; beyond this the least recent are forgotten */
const TRACKED = 20_000;

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;
type LimitState = Awaited<ReturnType<Limiter>>;

/** A key's own limit wins; none (null) takes the server default; 0 means unlimited. */
export function keyLimit(p: Principal, serverDefault: number): number {
  return p.key.rate_limit ?? serverDefault;
}

const rateLimited = (message: string, limit: number, retryAfterS: number) =>
  new GenqError('RATE_LIMITED', message, { status: 429, type: 'rate_limited', retryable: true, details: { limit, retry_after_s: retryAfterS } });

/**
 * draft-ietf-httpapi-ratelimit-headers (structured-field form): the policy, and what is left of
 * it in this window; `t` and Retry-After are whole seconds, at least 1.
 */
function setHeaders(reply: FastifyReply, policy: string, limit: number, remaining: number, resetS: number): void {
  reply.header('ratelimit-policy', `"${policy}";q=${limit};w=${WINDOW_MS / 1000}`);
  reply.header('ratelimit', `"${policy}";r=${remaining};t=${resetS}`);
}

const resetSeconds = (s: LimitState) => ('ttl' in s ? Math.max(1, Math.ceil(s.ttl / 1000)) : 1);

export async function registerRateLimits(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { rateLimit: serverDefault, authFailuresPerIp } = ctx.config.limits;
  // global: false — the plugin adds no hooks of its own; its limiters are called below
  await app.register(rateLimit, {
    global: false,
    timeWindow: WINDOW_MS,
    cache: TRACKED,
    // only ever called after authentication succeeded
    keyGenerator: (req: FastifyRequest) => req.principal!.key.id,
    max: (req: FastifyRequest) => keyLimit(req.principal!, serverDefault),
  });
  const perKey = app.createRateLimit();
  // keyed by the client address (IPv6 by /64), counted only when a presented key is refused
  const authFailures = app.createRateLimit({ max: authFailuresPerIp, timeWindow: WINDOW_MS, keyGenerator: (req) => normalizeIP(req.ip) });

  // when this process refused its last key: until two windows later no address can be over the
  // limit, and the per-request look-up (address normalisation, cache read) is skipped
  let lastRefusalAt = -Infinity;

  app.addHook('onRequest', async (req, reply) => {
    if (apiKeyOf(req) === undefined) return; // no key: the route answers 401 if it needs one
    if (authFailuresPerIp > 0 && Date.now() - lastRefusalAt < 2 * WINDOW_MS) {
      const s = await authFailures(req, { increment: false });
      if (!s.isAllowed && s.remaining === 0) {
        const wait = resetSeconds(s);
        setHeaders(reply, 'auth-failures', authFailuresPerIp, 0, wait);
        throw rateLimited(`Too many rejected API keys from this address; retry in ${wait} s`, authFailuresPerIp, wait);
      }
    }
    let principal: Principal;
    try {
      principal = await authenticate(ctx.accounts, req);
    } catch (e) {
      // the route throws the same error again, in its dialect; only count refused keys
      if (authFailuresPerIp > 0 && isGenqError(e) && e.status === 401) {
        lastRefusalAt = Date.now();
        await authFailures(req);
      }
      return;
    }
    const limit = keyLimit(principal, serverDefault);
    if (limit <= 0) return;
    const s = await perKey(req);
    if (s.isAllowed) return;
    const reset = resetSeconds(s);
    setHeaders(reply, 'per-key', limit, s.remaining, reset);
    if (s.isExceeded) throw rateLimited(`This API key may make ${limit} requests per second; retry in ${reset} s`, limit, reset);
  });
}
