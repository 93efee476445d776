/**
 * Outbound requests: which URLs are accepted, the connect-time check that DNS rebinding cannot
 * get around, and postJson against a real loopback server (answers, errors, redirects not
 * followed, receivers that stall or trickle, answers too large to read).
 */
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import type { LookupAddress } from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOutboundUrl, guardedLookup, OutboundError, postJson, type Resolver } from '../../dist/net/outbound.js';

// ---------------------------------------------------------------------------------------------
describe('checkOutboundUrl', () => {
  const check = (raw: string, allowPrivate = false) => checkOutboundUrl(raw, { allowPrivate, purpose: 'webhook.url' });
  const refusal = (raw: string, allowPrivate = false) => {
    try {
      check(raw, allowPrivate);
    } catch (e) {
      return e as { code: string; status: number; type: string; message: string };
    }
    return null;
  };

  it('accepts public http(s) URLs and returns them parsed', () => {
    for (const raw of ['https://hooks.example.com/genq', 'http://93.184.216.34:8080/x?y=1#z', 'https://[2606:4700::1111]/h', 'HTTPS://Example.COM./a']) {
      expect(check(raw)).toBeInstanceOf(URL);
    }
    expect(check('https://bücher.example/hook').hostname).toBe('xn--bcher-kva.example');
  });

  it('refuses with URL_NOT_ALLOWED, 400, naming the field', () => {
    expect(refusal('ftp://example.com/x')).toMatchObject({ code: 'URL_NOT_ALLOWED', status: 400, type: 'invalid_request', message: /^webhook\.url: only http and https/ });
  });

  it.each([
    ['ftp://example.com/x', /only http and https/],
    ['file:///etc/passwd', /only http and https/],
    ['gopher://example.com/', /only http and https/],
    ['javascript:alert(1)', /only http and https/],
    ['data:text/plain,hi', /only http and https/],
    ['https://user:pw@example.com/', /credentials/],
    ['https://user@example.com/', /credentials/],
    ['not a url', /control or whitespace/],
    ['/relative/path', /not a valid absolute URL/],
    ['http://', /not a valid absolute URL/],
    [`https://example.com/${'a'.repeat(2048)}`, /limit is 2048/],
    ['', /required/],
  ])('refuses %j', (raw, why) => {
    expect(refusal(raw)?.message).toMatch(why);
  });

  // WHATWG URL removes \t \r \n anywhere and trims C0 controls and spaces: the raw string is judged first
  it.each([
    'http://a.example/\r\nX-Evil: 1',
    'http://a.example/%0d%0a\r\nHost: evil',
    'http://a.example\r\n/x',
    'http://a.ex\tample/',
    'http://a.example/\nx',
    ' http://a.example/',
    'http://a.example/ ',
    'http://a.example/\u0000',
    'http://a.example/\u001b[31m',
    'http://a.example/\u007f',
    'http://a.example/\u0085',
    'http://a.example/\u00a0',
    'http://a.example/\u2028',
    'http://a.example/\ufeff',
  ])('refuses control characters and whitespace before parsing: %j', (raw) => {
    expect(new URL(raw).href).toBeTruthy(); // the parser alone would have let it through
    expect(refusal(raw)?.message).toMatch(/control or whitespace character \(U\+[0-9A-F]{4} at position \d+\)/);
    expect(refusal(raw, true)?.message).toMatch(/control or whitespace/); // --allow-private-urls does not change this
  });

  it('sees numeric IPv4 spellings as the address WHATWG URL makes of them', () => {
    const spellings = ['http://2130706433/', 'http://0x7f.1/', 'http://0x7f000001/', 'http://0177.0.0.1/', 'http://127.1/', 'http://127.0.1/',
      'http://%31%32%37.0.0.1/', 'http://①②⑦.0.0.1/', 'http://127。0。0。1/', 'http://127.0.0.1./'];
    for (const raw of spellings) {
      expect(new URL(raw).hostname, raw).toBe('127.0.0.1');
      expect(refusal(raw)?.message, raw).toMatch(/"127\.0\.0\.1" is a private or local address \(loopback\)/);
      expect(check(raw, true).hostname).toBe('127.0.0.1');
    }
    expect(new URL('http://0/').hostname).toBe('0.0.0.0');
    expect(refusal('http://0/')?.message).toMatch(/this network/);
    expect(refusal('http://0xa9fea9fe/')?.message).toMatch(/cloud metadata/);
    expect(refusal('http://2852039166/latest/meta-data/')?.message).toMatch(/cloud metadata/);
  });

  it.each([
    ['http://127.0.0.1:8080/hook', /loopback/],
    ['http://10.0.0.8/hook', /private/],
    ['http://169.254.169.254/latest/meta-data/', /cloud metadata/],
    ['http://100.100.100.200/latest/meta-data/', /Alibaba/],
    ['http://[fd00:ec2::254]/latest/meta-data/', /AWS/],
    ['http://[::1]/', /loopback/],
    ['http://[::ffff:127.0.0.1]/', /loopback/],
    ['http://[::ffff:a00:1]/', /private \(10\.0\.0\.1 inside/],
    ['http://[0:0:0:0:0:ffff:a9fe:a9fe]/', /cloud metadata/],
    ['http://[::127.0.0.1]/', /IPv4-compatible/],
    ['http://[64:ff9b::7f00:1]/', /loopback/],
    ['http://[2002:a9fe:a9fe::]/', /cloud metadata/],
    ['http://[fe80::1]/', /link-local/],
    ['http://localhost:3000/', /local name/],
    ['http://LOCALHOST./', /local name/],
    ['http://ｌｏｃａｌｈｏｓｔ/', /local name/], // full-width letters, mapped by IDNA
    ['http://app.localhost/', /local name/],
    ['http://metadata.google.internal/computeMetadata/v1/', /reserved for private networks/],
    ['http://metadata/computeMetadata/v1/', /single-label/],
    ['http://nas.local/', /reserved for private networks/],
  ])('refuses the private host of %s unless private URLs are allowed', (raw, why) => {
    const e = refusal(raw);
    expect(e?.message).toMatch(why);
    expect(e?.message).toMatch(/--allow-private-urls/);
    expect(check(raw, true)).toBeInstanceOf(URL);
  });

  it('refuses IPv6 zone identifiers, which WHATWG URL does not parse', () => {
    for (const raw of ['http://[fe80::1%25eth0]/', 'http://[fe80::1%eth0]/']) expect(refusal(raw, true)?.message).toMatch(/not a valid absolute URL/);
  });
});

// ---------------------------------------------------------------------------------------------
const addr = (address: string): LookupAddress => ({ address, family: net.isIP(address) });
/** A resolver that answers from a script, one answer per call (the last repeats), counting calls. */
function scripted(...answers: Array<string[] | NodeJS.ErrnoException>) {
  const calls: string[] = [];
  const resolve: Resolver = (hostname, _options, callback) => {
    calls.push(hostname);
    const a = answers[Math.min(calls.length, answers.length) - 1]!;
    setImmediate(() => (a instanceof Error ? callback(a, []) : callback(null, a.map(addr))));
  };
  return { resolve, calls };
}
const lookupOnce = (lookup: ReturnType<typeof guardedLookup>, host: string, all = false) =>
  new Promise<string | LookupAddress[]>((resolve, reject) => lookup(host, { all }, (err, address) => (err ? reject(err) : resolve(address))));

describe('guardedLookup', () => {
  it('drops private answers, keeps public ones, and refuses when none is left', async () => {
    const mixed = scripted(['10.0.0.1', '93.184.216.34', '::1', '2606:4700::1111']);
    expect(await lookupOnce(guardedLookup(false, mixed.resolve), 'mixed.example', true)).toEqual([addr('93.184.216.34'), addr('2606:4700::1111')]);
    expect(await lookupOnce(guardedLookup(false, mixed.resolve), 'mixed.example')).toBe('93.184.216.34');
    const inner = scripted(['127.0.0.1', '::ffff:169.254.169.254', 'fd00:ec2::254']);
    const refused = await lookupOnce(guardedLookup(false, inner.resolve), 'inner.example').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OutboundError);
    expect(refused).toMatchObject({ reason: 'refused_private_address', message: /resolves only to private or reserved addresses.*--allow-private-urls/ });
    expect((refused as Error).message).not.toMatch(/127\.0\.0\.1|169\.254/); // the internal addresses are not told
    expect(await lookupOnce(guardedLookup(true, inner.resolve), 'inner.example')).toBe('127.0.0.1');
  });

  it('passes DNS failures through', async () => {
    const nx = Object.assign(new Error('getaddrinfo ENOTFOUND nx.example'), { code: 'ENOTFOUND', syscall: 'getaddrinfo' });
    await expect(lookupOnce(guardedLookup(false, scripted(nx).resolve), 'nx.example')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });
});

// ---------------------------------------------------------------------------------------------
let server: http.Server;
let port: number;
let connections = 0;
const seen: Array<{ url: string; headers: http.IncomingHttpHeaders; body: string }> = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ url: req.url ?? '', headers: req.headers, body });
      switch (req.url) {
        case '/ok': return res.writeHead(200, { 'content-type': 'text/plain' }).end('thanks');
        case '/boom': return res.writeHead(500).end('receiver broke');
        case '/moved': return res.writeHead(302, { location: '/elsewhere' }).end('see elsewhere');
        case '/silent': return; // accepts, reads, never answers
        case '/trickle': {
          res.writeHead(200, { 'content-type': 'text/plain' });
          const t = setInterval(() => res.write('.'), 20);
          return res.on('close', () => clearInterval(t));
        }
        case '/huge': {
          res.writeHead(200, { 'content-type': 'text/plain' });
          const chunk = Buffer.alloc(64 * 1024, 'x');
          let sent = 0;
          const pump = () => {
            while (sent < 160 && !res.destroyed && res.write(chunk)) sent++;
            if (sent < 160 && !res.destroyed) res.once('drain', pump);
            else res.end();
          };
          return pump();
        }
        default: return res.writeHead(204).end();
      }
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const local = (path: string) => new URL(`http://127.0.0.1:${port}${path}`);
const SECRET = 'body-secret-8f3a';
const body = JSON.stringify({ type: 'task.succeeded', data: { note: SECRET } });
const post = (url: URL, o: Partial<Parameters<typeof postJson>[3]> = {}, headers: Record<string, string> = {}) =>
  postJson(url, body, headers, { timeoutMs: 2000, allowPrivate: true, ...o });
const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e: OutboundError) => e);

describe('postJson', () => {
  it('delivers JSON with our headers and reports status, time and the answer', async () => {
    const r = await post(local('/ok'), {}, { 'webhook-id': 'msg_1', 'X-Custom': 'yes' });
    expect(r).toMatchObject({ status: 200, bodySnippet: 'thanks' });
    expect(r.ms).toBeGreaterThan(0);
    const got = seen.at(-1)!;
    expect(got.body).toBe(body);
    expect(got.headers).toMatchObject({ 'content-type': 'application/json', 'webhook-id': 'msg_1', 'x-custom': 'yes', 'content-length': String(body.length) });
    expect(got.headers['user-agent']).toMatch(/^genq-webhooks\/\d+\.\d+\.\d+/);
    await post(local('/ok'), {}, { 'User-Agent': 'mine/1' });
    expect(seen.at(-1)!.headers['user-agent']).toBe('mine/1');
  });

  it('reports a 500 and its body', async () => {
    expect(await post(local('/boom'))).toMatchObject({ status: 500, bodySnippet: 'receiver broke' });
  });

  it('does not follow a redirect', async () => {
    const before = seen.length;
    expect(await post(local('/moved'))).toMatchObject({ status: 302, bodySnippet: 'see elsewhere' });
    expect(seen.slice(before).map((s) => s.url)).toEqual(['/moved']);
  });

  it('gives up at the deadline when the receiver accepts and never answers', async () => {
    const t0 = Date.now();
    const e = await failure(post(local('/silent'), { timeoutMs: 200 }));
    expect(e).toMatchObject({ reason: 'timeout', message: /no answer within 200 ms/ });
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it('gives up at the deadline when the body trickles in', async () => {
    const e = await failure(post(local('/trickle'), { timeoutMs: 250, maxResponseBytes: 1_000_000 }));
    expect(e).toMatchObject({ reason: 'timeout', message: /HTTP 200 arrived but the body did not finish within 250 ms/ });
  });

  it('gives up at the deadline when the status line and headers trickle in', async () => {
    const slow = net.createServer((socket) => {
      socket.on('data', () => {});
      socket.write('HTTP/1.1 200 OK\r\n');
      const t = setInterval(() => socket.write('x-slow: 1\r\n'), 20);
      socket.on('close', () => clearInterval(t));
      socket.on('error', () => clearInterval(t));
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    const e = await failure(post(new URL(`http://127.0.0.1:${(slow.address() as AddressInfo).port}/`), { timeoutMs: 250 }));
    expect(e).toMatchObject({ reason: 'timeout', message: /no answer within 250 ms/ });
    slow.close();
  });

  it('reads at most maxResponseBytes of a huge answer and hangs up', async () => {
    const t0 = Date.now();
    const r = await post(local('/huge'));
    expect(r.status).toBe(200);
    expect(r.bodySnippet).toBe('x'.repeat(4096));
    expect((await post(local('/huge'), { maxResponseBytes: 100 })).bodySnippet).toHaveLength(100);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('refuses header values with CR, LF or NUL, and bad header names, sending nothing', async () => {
    const before = seen.length;
    for (const headers of [{ 'webhook-id': 'a\r\nX-Evil: 1' }, { 'webhook-id': 'a\nb' }, { 'webhook-id': 'a\u0000' }, { 'bad name': 'x' }, { 'x-evil\r\n': 'x' }, { 'webhook-id': 'snow ☃' }]) {
      const e = await failure(post(local('/ok'), {}, headers));
      expect(e, JSON.stringify(headers)).toMatchObject({ reason: 'invalid_header' });
      expect(e.message).not.toContain('X-Evil: 1');
    }
    expect(seen.length).toBe(before);
  });

  it('refuses a loopback target when private URLs are not allowed, without connecting', async () => {
    const before = connections;
    for (const url of [local('/ok'), new URL(`http://localhost:${port}/ok`), new URL(`http://[::ffff:7f00:1]:${port}/ok`)]) {
      const e = await failure(post(url, { allowPrivate: false }));
      expect(e, url.href).toBeInstanceOf(OutboundError);
      expect(e, url.href).toMatchObject({ reason: 'refused_private_address', message: /--allow-private-urls/ });
    }
    expect((await failure(post(new URL('ftp://example.com/'), { allowPrivate: false }))).reason).toBe('url_not_allowed');
    expect(connections).toBe(before);
  });

  it('refuses at connect time a name that resolved publicly before and privately now (DNS rebinding)', async () => {
    const dns = scripted(['93.184.216.34'], ['127.0.0.1']);
    // 1st answer: what a check when the URL was accepted would have seen
    expect(await lookupOnce(guardedLookup(false, dns.resolve), 'rebind.example')).toBe('93.184.216.34');
    // 2nd answer, at connect time: loopback, where our test server listens
    const before = connections;
    const e = await failure(post(new URL(`http://rebind.example:${port}/ok`), { allowPrivate: false, resolve: dns.resolve }));
    expect(e).toMatchObject({ reason: 'refused_private_address', message: /"rebind\.example" resolves only to private/ });
    expect(dns.calls).toEqual(['rebind.example', 'rebind.example']);
    expect(connections).toBe(before);
    // control: with private URLs allowed, the same answer does reach the server
    const allowed = scripted(['127.0.0.1']);
    expect(await post(new URL(`http://rebind.example:${port}/ok`), { resolve: allowed.resolve })).toMatchObject({ status: 200 });
    expect(connections).toBe(before + 1);
  });

  it('looks up every new connection, and reuses a kept-alive one without a lookup', async () => {
    const dns = scripted(['127.0.0.1']);
    const url = new URL(`http://keepalive.example:${port}/ok`);
    const before = connections;
    await post(url, { resolve: dns.resolve });
    await post(url, { resolve: dns.resolve });
    expect(connections - before).toBe(1);
    expect(dns.calls).toHaveLength(1);
    server.closeIdleConnections();
    await new Promise((r) => setTimeout(r, 20));
    await post(url, { resolve: dns.resolve });
    expect(connections - before).toBe(2);
    expect(dns.calls).toHaveLength(2);
  });

  it('names the failure: DNS, connect, TLS, cancelled; never with our body', async () => {
    const nx = Object.assign(new Error('getaddrinfo ENOTFOUND nx.example'), { code: 'ENOTFOUND', syscall: 'getaddrinfo' });
    const dnsFail = await failure(post(new URL('http://nx.example/'), { allowPrivate: false, resolve: scripted(nx).resolve }));
    expect(dnsFail).toMatchObject({ reason: 'dns_error', message: /^POST to nx\.example failed: DNS lookup failed \(ENOTFOUND\)/ });

    const dead = http.createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const deadPort = (dead.address() as AddressInfo).port;
    await new Promise((r) => dead.close(r));
    const refused = await failure(post(new URL(`http://127.0.0.1:${deadPort}/`)));
    expect(refused).toMatchObject({ reason: 'connect_error', message: /ECONNREFUSED/ });

    const tls = await failure(post(new URL(`https://127.0.0.1:${port}/ok`)));
    expect(tls.reason).toBe('tls_error');

    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const aborted = await failure(post(local('/silent'), { signal: ac.signal }));
    expect(aborted.reason).toBe('aborted');
    const early = await failure(post(local('/ok'), { signal: AbortSignal.abort() }));
    expect(early.reason).toBe('aborted');

    for (const e of [dnsFail, refused, tls, aborted]) expect(e.message).not.toContain(SECRET);
  });
});
