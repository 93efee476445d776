/** Reads an API key from `Authorization: Bearer` or `x-api-key` (every dialect uses one of the two). */
import type { FastifyRequest } from 'fastify';
import type { Accounts, Principal } from '../core/accounts.js';

export function apiKeyOf(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1];
  }
  const x = req.headers['x-api-key'];
  return typeof x === 'string' ? x.trim() : undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** one verification per request: the rate limiter (api/rate-limit.ts) and the route share it */
const verified = new WeakMap<FastifyRequest, Promise<Principal>>();

export function authenticate(accounts: Accounts, req: FastifyRequest): Promise<Principal> {
  let p = verified.get(req);
  if (!p) {
    p = accounts.authenticate(apiKeyOf(req)).then((principal) => (req.principal = principal));
    verified.set(req, p);
  }
  return p;
}
