/**
 * The address check at connect time. node:net calls `lookup` for every new connection to a
 * name; ours resolves, drops private and reserved answers, and refuses when none is left. The
 * socket then connects to exactly the address that was checked, so DNS rebinding (public
 * answer when a URL is checked, private answer when it is used) has no gap to exploit.
 * IP literals never reach `lookup`; callers check those on the URL (see check-url.ts).
 */
import http from 'node:http';
import https from 'node:https';
import dns, { type LookupAddress, type LookupAllOptions } from 'node:dns';
import { addressRisk } from './private-address.js';
import { OutboundError } from './outbound-error.js';

/** dns.lookup with `all: true`; injectable so tests can play a rebinding DNS server. */
export type Resolver = (
  hostname: string,
  options: LookupAllOptions,
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

export const systemResolver: Resolver = (hostname, options, callback) => dns.lookup(hostname, options, callback);

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
export type GuardedLookup = (hostname: string, options: { all?: boolean; family?: number | string; hints?: number }, callback: LookupCallback) => void;

export function guardedLookup(allowPrivate: boolean, resolve: Resolver = systemResolver): GuardedLookup {
  return (hostname, options, callback) => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : Number(options.family ?? 0);
    const query: LookupAllOptions = { all: true, family: family === 4 || family === 6 ? family : 0 };
    if (options.hints !== undefined) query.hints = options.hints;
    resolve(hostname, query, (err, addresses) => {
      if (err) return callback(err, '');
      const ok = allowPrivate ? addresses : addresses.filter((a) => addressRisk(a.address) === null);
      if (ok.length === 0) {
        // the addresses are not named: they would map the operator's private network for the caller
        const e = new OutboundError('refused_private_address',
          `"${hostname}" resolves only to private or reserved addresses, which this server does not connect to (an operator can allow them with --allow-private-urls)`);
        return callback(e as NodeJS.ErrnoException, '');
      }
      if (options.all) return callback(null, ok);
      callback(null, ok[0]!.address, ok[0]!.family);
    });
  };
}

/**
 * Keep-alive agents, one per protocol, private-address policy and resolver. The lookup sits
 * on the agent, so it runs for every new socket; a reused socket is one that already passed
 * it, connected to the address that was checked. Sockets are bounded per host (64) and in
 * total (256); idle ones close after 4 s, before the 5 s that Node servers keep them.
 */
const agents = new WeakMap<Resolver, Map<string, http.Agent>>();

export function agentFor(protocol: 'http:' | 'https:', allowPrivate: boolean, resolve: Resolver = systemResolver): http.Agent {
  let byKey = agents.get(resolve);
  if (!byKey) agents.set(resolve, (byKey = new Map()));
  const key = `${protocol}${allowPrivate}`;
  let agent = byKey.get(key);
  if (!agent) {
    const options = { keepAlive: true, maxSockets: 64, maxTotalSockets: 256, timeout: 4000, lookup: guardedLookup(allowPrivate, resolve) as never };
    agent = protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
    byKey.set(key, agent);
  }
  return agent;
}
