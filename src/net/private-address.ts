/**
 * Which hosts an outbound request (webhook, reference audio) may not reach unless the operator
 * starts genq with --allow-private-urls. Addresses are judged as bytes, so every spelling of
 * one address gets one answer: IPv4 in IPv6 (mapped, compatible, translated, NAT64, 6to4,
 * Teredo) is judged as the IPv4 address it carries. IPv6 outside 2000::/3 is all reserved.
 * Checked on the literal host when a URL is accepted and on every resolved address at connect.
 */
import { isIP } from 'node:net';

type Range = readonly [bytes: number[], prefixBits: number, label: string];

const v4 = (dotted: string) => dotted.split('.').map(Number);

// first match wins, so the narrow, better-labelled ranges come first
const V4_RANGES: Range[] = ([
  ['169.254.169.254', 32, 'cloud metadata'],
  ['100.100.100.200', 32, 'cloud metadata (Alibaba)'],
  ['0.0.0.0', 8, '"this network"'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, '6to4 relay anycast (deprecated)'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
] as const).map(([net, bits, label]) => [v4(net), bits, label]);

const V6_RANGES: Range[] = ([
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['::', 96, 'IPv4-compatible (deprecated)'],
  ['64:ff9b:1::', 48, 'local-use NAT64'],
  ['100::', 64, 'discard-only'],
  ['2001:2::', 48, 'benchmarking'],
  ['2001:10::', 28, 'ORCHID'],
  ['2001:20::', 28, 'ORCHIDv2'],
  ['2001:db8::', 32, 'documentation'],
  ['3fff::', 20, 'documentation'],
  ['5f00::', 16, 'SRv6 segment identifiers'],
  ['fd00:ec2::254', 128, 'cloud metadata (AWS)'],
  ['fc00::', 7, 'unique local (private)'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local (deprecated)'],
  ['ff00::', 8, 'multicast'],
] as const).map(([net, bits, label]) => [parseIPv6(net)!, bits, label]);

function inRange(bytes: ArrayLike<number>, [net, bits]: Range): boolean {
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((bytes[i] ?? 0) & mask) !== ((net[i] ?? 0) & mask)) return false;
  }
  return true;
}

const labelOf = (bytes: ArrayLike<number>, ranges: Range[]) => ranges.find((r) => inRange(bytes, r))?.[2] ?? null;

/** 16 bytes of an IPv6 address (zone id ignored), or null when it is not one. */
export function parseIPv6(address: string): number[] | null {
  const a = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (isIP(a) !== 6) return null;
  const words = (part: string): number[] => {
    if (!part) return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (g.includes('.')) {
        const [a0, a1, a2, a3] = v4(g) as [number, number, number, number];
        out.push((a0 << 8) | a1, (a2 << 8) | a3);
      } else out.push(parseInt(g, 16));
    }
    return out;
  };
  const [head, tail] = a.split('::') as [string, string | undefined];
  const hi = words(head);
  const lo = tail === undefined ? [] : words(tail);
  const all = [...hi, ...new Array<number>(8 - hi.length - lo.length).fill(0), ...lo];
  return all.flatMap((w) => [w >> 8, w & 0xff]);
}

/** The IPv4 address an IPv6 address stands for or tunnels to, if any. */
function embeddedIPv4(b: number[]): number[] | null {
  const zero = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  if (zero(0, 10) && b[10] === 0xff && b[11] === 0xff) return b.slice(12); // ::ffff:a.b.c.d, mapped
  if (zero(0, 8) && b[8] === 0xff && b[9] === 0xff && zero(10, 12)) return b.slice(12); // ::ffff:0:a.b.c.d, SIIT
  if (inRange(b, [[0, 0x64, 0xff, 0x9b], 96, ''])) return b.slice(12); // 64:ff9b::/96, NAT64 well-known prefix
  if (b[0] === 0x20 && b[1] === 0x02) return b.slice(2, 6); // 2002::/16, 6to4
  if (inRange(b, [[0x20, 0x01, 0, 0], 32, ''])) return b.slice(12).map((x) => x ^ 0xff); // 2001::/32, Teredo client
  return null;
}

/**
 * Why an address may not be reached ("loopback", "cloud metadata", …), or null when it is a
 * public unicast address. Anything that is not an IP address gives null: names are judged by
 * `nameRisk`, and by their resolved addresses at connect time.
 */
export function addressRisk(address: string): string | null {
  const host = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(host);
  if (family === 4) return labelOf(v4(host), V4_RANGES);
  if (family !== 6) return null;
  const b = parseIPv6(host)!;
  const inner = embeddedIPv4(b);
  if (inner) {
    const risk = labelOf(inner, V4_RANGES);
    return risk && `${risk} (${inner.join('.')} inside an IPv6 address)`;
  }
  const label = labelOf(b, V6_RANGES);
  if (label) return label;
  return (b[0]! & 0xe0) === 0x20 ? null : 'reserved'; // global unicast is 2000::/3
}

export const isPrivateAddress = (address: string): boolean => addressRisk(address) !== null;

/**
 * Why a host name may not be reached, or null. Only names that can never be public are
 * listed: localhost (RFC 6761), .local (mDNS), .home.arpa (RFC 8375), .internal (reserved
 * by ICANN for private use; includes metadata.google.internal), and single-label names,
 * which only local search domains or /etc/hosts resolve. Any other name is judged by the
 * addresses it resolves to, at connect time.
 */
export function nameRisk(hostname: string): string | null {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return 'a local name';
  if (/(^|\.)(local|internal|home\.arpa)$/.test(h)) return 'a name reserved for private networks';
  if (!h.includes('.') && !h.includes(':')) return 'a single-label name, resolved only through local search domains';
  return null;
}

/** The URL's host when it is a literal IP address (brackets stripped), else null. */
export function literalHost(url: URL): string | null {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return isIP(host) ? host : null;
}

/** Why a URL's host may not be reached (literal address or name), or null. */
export function hostRisk(url: URL): string | null {
  const ip = literalHost(url);
  return ip ? addressRisk(ip) : nameRisk(url.hostname);
}
