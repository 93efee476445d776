/** Accounts and API keys: creation, authentication (with a short cache) and revocation. */
import type { Account, ApiKeyRecord, Store } from '../store/store.js';
import { unauthorized } from './errors.js';
import { hashApiKey, newApiKey, newId, newWebhookSecret } from './ids.js';

export interface Principal {
  account: Account;
  key: ApiKeyRecord;
}

export interface CreatedKey {
  key: string;
  key_id: string;
  account_id: string;
  name: string;
  credits: number;
  rate_limit: number | null;
  webhook_secret: string;
}

/**
 * Authentication sits on every request, so verified keys are cached briefly. Revocation
 * through this process takes effect at once; through another process within CACHE_MS.
 */
const CACHE_MS = 5000;

export class Accounts {
  private readonly cache = new Map<string, { principal: Principal; until: number }>();

  constructor(private readonly store: Store, private readonly now: () => number = Date.now) {}

  async create(opts: { name: string; credits: number; rateLimit: number | null }): Promise<CreatedKey> {
    const key = newApiKey();
    const webhookSecret = newWebhookSecret();
    const now = this.now();
    const account: Account = { id: newId(), name: opts.name, credits_balance: opts.credits, created_at: now };
    const record: ApiKeyRecord = {
      id: newId(), account_id: account.id, name: opts.name, prefix: key.slice(0, 10),
      rate_limit: opts.rateLimit, created_at: now, revoked_at: null,
    };
    await this.store.createAccountWithKey({ account, key: record, keyHash: hashApiKey(key), webhookSecret });
    return {
      key, key_id: record.id, account_id: account.id, name: opts.name, credits: opts.credits,
      rate_limit: opts.rateLimit, webhook_secret: webhookSecret,
    };
  }

  async authenticate(rawKey: string | undefined): Promise<Principal> {
    if (!rawKey || !rawKey.startsWith('sk_') || rawKey.length > 200) throw unauthorized();
    const hash = hashApiKey(rawKey);
    const now = this.now();
    const hit = this.cache.get(hash);
    if (hit && hit.until > now) return hit.principal;
    const found = await this.store.findKeyByHash(hash);
    if (!found || found.key.revoked_at !== null) {
      this.cache.delete(hash);
      throw unauthorized(found ? 'This API key has been revoked' : undefined);
    }
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { principal: found, until: now + CACHE_MS });
    return found;
  }

  async revoke(idOrPrefix: string): Promise<ApiKeyRecord | null> {
    const rec = await this.store.revokeKey(idOrPrefix, this.now());
    if (rec) for (const [h, v] of this.cache) if (v.principal.key.id === rec.id) this.cache.delete(h);
    return rec;
  }
}
