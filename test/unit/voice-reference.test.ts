/**
 * Reference audio by URL: size cap, deadline, HTTP errors, redirects, and private
 * addresses refused both on the literal host (at creation) and after DNS (at connect).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkReference } from '../../dist/providers/voice-lab/reference.js';
import { fetchUrl, guardedLookup } from '../../dist/net/fetch-url.js';
import { isPrivateAddress } from '../../dist/net/private-address.js';
import { createLocalVoiceProviders } from '../../dist/providers/local.js';
import { fakeWorld, runTask } from './voice-helpers.js';

let server: http.Server;
let base: string;
let wav: Uint8Array;
const providers = createLocalVoiceProviders({ maxThreads: 2, allowPrivateUrls: true });
const [espeak, , lab] = providers;

beforeAll(async () => {
  wav = (await runTask(fakeWorld(), espeak!, 'espeak-ng', { text: 'A reference served over HTTP, long enough to measure.' })).files[0]!.data;
  server = http.createServer((req, res) => {
    if (req.url === '/voice.wav') return res.writeHead(200, { 'content-type': 'audio/wav' }).end(wav);
    if (req.url === '/moved') return res.writeHead(302, { location: '/voice.wav' }).end();
    if (req.url === '/huge') {
      res.writeHead(200, { 'content-type': 'audio/wav' });
      const chunk = Buffer.alloc(1024 * 1024);
      let sent = 0;
      const pump = () => {
        while (sent < 30 && res.write(chunk)) sent++;
        if (sent < 30) res.once('drain', pump);
        else res.end();
      };
      return pump();
    }
    if (req.url === '/slow') return void setTimeout(() => res.end('late'), 60_000).unref();
    res.writeHead(404).end('no');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  server.close();
  for (const p of providers) await p.close?.();
});

const opts = (o: Partial<Parameters<typeof fetchUrl>[1]> = {}) => ({ maxBytes: 20 * 1024 * 1024, timeoutMs: 5000, allowPrivate: true, signal: new AbortController().signal, ...o });

describe('private addresses', () => {
  it('knows the private, loopback and reserved ranges', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fd00::1', 'fe80::1', '::ffff:10.0.0.1']) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700::1111']) expect(isPrivateAddress(a), a).toBe(false);
  });

  it('refuses literal private hosts and localhost at creation unless allowed', () => {
    for (const url of ['http://127.0.0.1/a.wav', 'http://[::1]/a.wav', 'http://10.0.0.8/a.wav', 'http://localhost:8080/a.wav', 'http://[::ffff:192.168.0.1]/x']) {
      expect(() => checkReference('reference_audio', url, { allowPrivateUrls: false }), url).toThrow(/private or local/);
      expect(checkReference('reference_audio', url, { allowPrivateUrls: true })).toBe(new URL(url).href);
    }
    expect(() => checkReference('reference_audio', 'http://user:pw@example.com/a.wav', { allowPrivateUrls: false })).toThrow(/credentials/);
    expect(() => checkReference('reference_audio', 'data:text/plain;base64,aGVsbG8gd29ybGQgaGVsbG8=', { allowPrivateUrls: false })).toThrow(/data:audio/);
    expect(() => checkReference('reference_audio', 'upl_short', { allowPrivateUrls: false })).toThrow(/upload id/);
    expect(() => checkReference('reference_audio', 42, { allowPrivateUrls: false })).toThrow(/required/);
  });

  it('refuses a tab, newline or space inside a URL (the parser would drop them silently), as a 422 on the field', () => {
    for (const url of ['https://audio.example/a\t.wav', 'https://audio.example/a.wav\r\nX-Evil: 1', 'https://audio.example/a b.wav']) {
      let err: any;
      try {
        checkReference('reference_audio', url, { allowPrivateUrls: false });
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(url)).toMatchObject({ code: 'INVALID_INPUT', status: 422 });
      expect(err.message).toMatch(/^"reference_audio": the URL contains a control or whitespace character/);
    }
    // surrounding whitespace is still trimmed, as before
    expect(checkReference('reference_audio', '  https://audio.example/a.wav  ', { allowPrivateUrls: false })).toBe('https://audio.example/a.wav');
    expect(() => checkReference('reference_audio', `https://audio.example/${'a'.repeat(2100)}`, { allowPrivateUrls: false })).toThrow(/limit is 2048/);
  });

  it('refuses a name that resolves to a private address at connect time', async () => {
    // the lookup every connection goes through: "localhost" resolves (from /etc/hosts) to loopback only
    const lookup = (allow: boolean) => new Promise<string>((resolve, reject) =>
      guardedLookup(allow)('localhost', {}, (err, address) => (err ? reject(err) : resolve(String(address)))));
    await expect(lookup(false)).rejects.toThrow(/resolves only to private/);
    expect(await lookup(true)).toMatch(/^(127\.|::1)/);
  });
});

describe('fetching a reference URL', () => {
  it('fetches, following a redirect', async () => {
    expect((await fetchUrl(`${base}/moved`, opts())).length).toBe(wav.length);
  });

  it('caps the size, the time and reports HTTP errors', async () => {
    await expect(fetchUrl(`${base}/huge`, opts())).rejects.toThrow(/larger than the limit/);
    await expect(fetchUrl(`${base}/slow`, opts({ timeoutMs: 300 }))).rejects.toThrow(/did not answer within/);
    await expect(fetchUrl(`${base}/nothing`, opts())).rejects.toThrow(/HTTP 404/);
  });

  it('clones from a URL, and a URL that does not answer fails the task with INVALID_INPUT', async () => {
    const world = fakeWorld();
    const { out } = await runTask(world, lab!, 'espeak-ng-clone', { reference_audio: `${base}/voice.wav`, name: 'From URL' });
    expect(out.result.voice_id).toMatch(/^voice_/);
    // a port nobody listens on
    const dead = http.createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const port = (dead.address() as AddressInfo).port;
    dead.close();
    await expect(runTask(world, lab!, 'espeak-ng-clone', { reference_audio: `http://127.0.0.1:${port}/x.wav`, name: 'x' }))
      .rejects.toMatchObject({ code: 'INVALID_INPUT', message: /could not be fetched/ });
    await expect(runTask(world, lab!, 'espeak-ng-clone', { reference_audio: `${base}/nothing`, name: 'x' }))
      .rejects.toMatchObject({ code: 'INVALID_INPUT', message: /HTTP 404/ });
  }, 60_000);
});
