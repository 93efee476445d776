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

export async function authenticate(accounts: Accounts, req: FastifyRequest): Promise<Principal> {
  const p = await accounts.authenticate(apiKeyOf(req));
  req.principal = p;
  return p;
}
