/**
 * Which addresses and names outbound requests may not reach: every spelling of an address
 * gets the same answer, and public addresses and names stay reachable.
 */
import { describe, expect, it } from 'vitest';
import { addressRisk, isPrivateAddress, nameRisk, parseIPv6 } from '../../dist/net/private-address.js';

const BLOCKED: Array<[string, RegExp]> = [
  // IPv4
  ['0.0.0.0', /this network/],
  ['10.1.2.3', /private/],
  ['100.64.0.1', /carrier-grade NAT/],
  ['100.127.255.254', /carrier-grade NAT/],
  ['100.100.100.200', /cloud metadata \(Alibaba\)/],
  ['127.0.0.1', /loopback/],
  ['127.255.255.254', /loopback/],
  ['169.254.169.254', /cloud metadata/],
  ['169.254.1.1', /link-local/],
  ['172.16.0.1', /private/],
  ['172.31.255.255', /private/],
  ['192.0.0.170', /IETF/],
  ['192.0.2.1', /documentation/],
  ['192.88.99.1', /6to4 relay/],
  ['192.168.1.1', /private/],
  ['198.18.0.1', /benchmarking/],
  ['198.19.255.255', /benchmarking/],
  ['198.51.100.7', /documentation/],
  ['203.0.113.9', /documentation/],
  ['224.0.0.1', /multicast/],
  ['239.255.255.250', /multicast/],
  ['240.0.0.1', /reserved/],
  ['255.255.255.255', /reserved/],
  // IPv6
  ['::', /unspecified/],
  ['::1', /loopback/],
  ['0:0:0:0:0:0:0:1', /loopback/],
  ['[::1]', /loopback/],
  ['fe80::1', /link-local/],
  ['fe80::1%eth0', /link-local/],
  ['FE80::ABCD', /link-local/],
  ['fec0::1', /site-local/],
  ['fc00::1', /unique local/],
  ['fd12:3456::1', /unique local/],
  ['fd00:ec2::254', /cloud metadata \(AWS\)/],
  ['ff02::1', /multicast/],
  ['100::1', /discard/],
  ['2001:db8::1', /documentation/],
  ['3fff::1', /documentation/],
  ['2001:2::1', /benchmarking/],
  ['2001:10::1', /ORCHID/],
  ['64:ff9b:1::1', /local-use NAT64/],
  ['4000::1', /reserved/],
  ['e000::1', /reserved/],
  // IPv4 carried inside IPv6, in every spelling
  ['::ffff:127.0.0.1', /loopback \(127\.0\.0\.1 inside/],
  ['::ffff:7f00:1', /loopback \(127\.0\.0\.1 inside/],
  ['::FFFF:7F00:0001', /loopback/],
  ['0:0:0:0:0:ffff:7f00:1', /loopback/],
  ['::ffff:a00:1', /private \(10\.0\.0\.1 inside/],
  ['::ffff:169.254.169.254', /cloud metadata/],
  ['::ffff:a9fe:a9fe', /cloud metadata/],
  ['::ffff:0:a00:1', /private/], // SIIT, IPv4-translated
  ['::127.0.0.1', /IPv4-compatible/],
  ['::7f00:1', /IPv4-compatible/],
  ['::8.8.8.8', /IPv4-compatible/], // deprecated and never routed, whatever it embeds
  ['64:ff9b::a00:1', /private \(10\.0\.0\.1 inside/], // NAT64 well-known prefix
  ['64:ff9b::127.0.0.1', /loopback/],
  ['64:ff9b::a9fe:a9fe', /cloud metadata/],
  ['2002:7f00:1::', /loopback \(127\.0\.0\.1 inside/], // 6to4
  ['2002:c0a8:101::1', /private \(192\.168\.1\.1 inside/],
  ['2001:0:4136:e378:8000:63bf:80ff:fffe', /loopback \(127\.0\.0\.1 inside/], // Teredo, client 127.0.0.1
  ['2001:0:4136:e378:8000:63bf:f5ff:fffe', /private \(10\.0\.0\.1 inside/],
];

const PUBLIC = [
  '8.8.8.8', '1.1.1.1', '93.184.216.34', '100.63.255.255', '100.128.0.0', '172.15.255.255', '172.32.0.0',
  '192.0.3.1', '192.169.0.1', '198.17.255.255', '198.20.0.0', '203.0.114.1', '223.255.255.255', '169.253.255.255',
  '2606:4700::1111', '2a00:1450:4001:80b::200e', '2001:4860:4860::8888',
  '::ffff:8.8.8.8', '::ffff:808:808', '64:ff9b::808:808', '2002:808:808::1',
  '2001:0:4136:e378:8000:63bf:f7f7:f7f7', // Teredo, client 8.8.8.8
  '2001:3::1', // AMT, globally reachable
];

describe('addresses', () => {
  it.each(BLOCKED)('%s is refused (%s)', (address, why) => {
    expect(addressRisk(address)).toMatch(why);
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each(PUBLIC)('%s is public', (address) => {
    expect(addressRisk(address)).toBeNull();
    expect(isPrivateAddress(address)).toBe(false);
  });

  it('is not an address judge for names or junk', () => {
    for (const s of ['example.com', '', '1.2.3', '::g', '2130706433', '0x7f.1']) expect(addressRisk(s), s).toBeNull();
  });

  it('parses every IPv6 spelling to the same bytes', () => {
    const want = parseIPv6('::ffff:7f00:1');
    for (const s of ['::ffff:127.0.0.1', '0:0:0:0:0:ffff:7f00:1', '0000:0000:0000:0000:0000:FFFF:7F00:0001', '[::ffff:7f00:1]', '::ffff:7f00:1%lo']) {
      expect(parseIPv6(s), s).toEqual(want);
    }
    expect(want).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1]);
    expect(parseIPv6('127.0.0.1')).toBeNull();
  });
});

describe('names', () => {
  it.each([
    'localhost', 'LOCALHOST', 'localhost.', 'api.localhost', 'a.b.localhost.',
    'metadata.google.internal', 'metadata.google.internal.', 'anything.internal',
    'printer.local', 'router.home.arpa',
    'metadata', 'intranet', 'kubernetes',
  ])('%s is refused', (name) => {
    expect(nameRisk(name)).not.toBeNull();
  });

  it.each([
    'example.com', 'hooks.example.com', 'localhost.example.com', 'internal.example.com', 'my-internal.com',
    'local.com', 'metadata.google.com', 'xn--bcher-kva.de', 'example.com.',
  ])('%s is allowed (judged by what it resolves to)', (name) => {
    expect(nameRisk(name)).toBeNull();
  });
});
