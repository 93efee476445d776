/**
 * Signed file URLs (storage/url-signer.ts, api/files-route.ts: /files/<key>?expires=<unix s>&sig=
 * <HMAC-SHA256 over key and expiry, base64url>) cannot be forged, extended or moved to another
 * file, and no path, however spelt, serves a byte from outside blob storage. File names sent to
 * the upload and reference-audio fields never become paths either.
 *
 * Requests go out through node:http with the path exactly as written (fetch would resolve `..`).
 * Some cases sign their own URLs with the server's secret, read from its SQLite file: that is how
 * to ask what the route does with a key the signer would never issue (defence in depth).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Api, makeKey, start, stopAll, type GenqServer } from '../helpers/server.js';
import { signedPath, UrlSigner } from '../../src/storage/url-signer.js';
import { assertNoFault, destroyAgent, send, type HostileResponse } from './hostile-http.js';
import { listFiles, wav } from './hostile-support.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

interface IssuedFile {
  url: URL;
  /** the storage key: <account>/<task>/<name> */
  key: string;
  path: string;
  expires: string;
  sig: string;
}

let server: GenqServer;
let alpha: Api;
let bravo: Api;
let a: IssuedFile;
let b: IssuedFile;
let signer: UrlSigner;

async function fileOf(api: Api, text: string): Promise<IssuedFile> {
  const t = await api.waitTerminal((await api.noop({ write_file: true, text })).id);
  const url = new URL(t.result!.files[0]!.url);
  return { url, key: decodeURIComponent(url.pathname.slice('/files/'.length)), path: url.pathname, expires: url.searchParams.get('expires')!, sig: url.searchParams.get('sig')! };
}

beforeAll(async () => {
  server = await start({ env: { GENQ_ENABLE_NOOP: '1' } });
  const [ka, kb] = await Promise.all([makeKey(server.dataDir, { name: 'alpha' }), makeKey(server.dataDir, { name: 'bravo' })]);
  alpha = new Api(server.url, ka.key);
  bravo = new Api(server.url, kb.key);
  [a, b] = await Promise.all([fileOf(alpha, 'alpha file'), fileOf(bravo, 'bravo file')]);
  const db = new Database(path.join(server.dataDir, 'genq.db'), { readonly: true });
  signer = new UrlSigner((db.prepare("SELECT value FROM settings WHERE name = 'url_signing_secret'").get() as { value: string }).value);
  db.close();
});

afterAll(async () => {
  destroyAgent();
  await stopAll();
});

/** GET a raw path; every answer is also checked for 5xx and stack traces unless `allowFault`. */
async function get(p: string, headers: Record<string, string> = {}, allowFault = false): Promise<HostileResponse> {
  const r = { method: 'GET', path: p, headers };
  const res = await send(server.port, r);
  if (!allowFault) assertNoFault(r, res);
  return res;
}

const code = (res: HostileResponse) => (JSON.parse(res.text) as { error: { code: string } }).error.code;
const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
const q = (expires: string, sig: string) => `?expires=${expires}&sig=${sig}`;
/** bytes that must never leave the server through /files: the database, system files, the other file */
const FOREIGN = [/SQLite format 3/, /root:.*:0:0:/, /bravo file/];

describe('signed file URLs', () => {
  it('a URL as issued serves its file, whole and by range', async () => {
    const whole = await get(a.path + q(a.expires, a.sig));
    expect(whole.status).toBe(200);
    expect(whole.text).toBe('alpha file');
    const part = await get(a.path + q(a.expires, a.sig), { range: 'bytes=0-4' });
    expect(part.status).toBe(206);
    expect(part.text).toBe('alpha');
  });

  it('a tampered, truncated, extended, re-encoded or missing signature is 403 INVALID_SIGNATURE', async () => {
    const sigs = [
      ...[0, 1, 10, 20, a.sig.length - 2, a.sig.length - 1].map((i) => flip(a.sig, i)),
      a.sig.slice(0, -1), `${a.sig}A`, `${a.sig}=`, '', a.sig.toUpperCase(), a.sig.toLowerCase(),
      a.sig.replace(/-/g, '+').replace(/_/g, '/') === a.sig ? `${a.sig}%3D` : encodeURIComponent(a.sig.replace(/-/g, '+').replace(/_/g, '/')),
      Buffer.from(a.sig, 'base64url').toString('hex'), b.sig, `${a.sig}&sig=${a.sig}`, `x&sig=${a.sig}`,
    ];
    for (const sig of sigs) {
      const res = await get(a.path + q(a.expires, sig));
      expect(res.status, `sig=${sig}`).toBe(403);
      expect(code(res)).toBe('INVALID_SIGNATURE');
      expect(res.text).not.toContain('alpha file');
    }
    for (const query of ['', `?expires=${a.expires}`, `?sig=${a.sig}`, `?sig[]=${a.sig}&expires=${a.expires}`]) {
      expect((await get(a.path + query)).status, query).toBe(403);
    }
  });

  it('the expiry cannot be moved: one second later, a year later, far future, zero, negative, fractional, duplicated — all 403', async () => {
    const e = Number(a.expires);
    const expiries = [e + 1, e - 1, e + 3600, e + 365 * 86_400, 2 ** 31, 2 ** 53, 9_999_999_999, 0, -1, -e].map(String)
      .concat([`${e}.5`, `${e + 1}.0`, '1e10', 'Infinity', 'NaN', '', `${a.expires}&expires=${e + 3600}`, `${e + 3600}&expires=${a.expires}`]);
    for (const exp of expiries) {
      const res = await get(a.path + q(exp, a.sig));
      expect(res.status, `expires=${exp}`).toBe(403);
      expect(res.text).not.toContain('alpha file');
    }
  });

  it('an expired URL is 410 URL_EXPIRED, and moving its expiry forward makes it a 403, not a download', async () => {
    const past = Math.floor(Date.now() / 1000) - 60;
    const expired = signedPath(signer, a.key, past);
    const res = await get(expired);
    expect(res.status).toBe(410);
    expect(code(res)).toBe('URL_EXPIRED');
    const sig = new URL(expired, server.url).searchParams.get('sig')!;
    for (const exp of [past + 3600, past + 60 + 900, 9_999_999_999]) expect((await get(a.path + q(String(exp), sig))).status).toBe(403);
  });

  it("a signature is bound to its key: another file's path, another account's, another name or spelling is 403", async () => {
    const [acctA, taskA] = a.key.split('/') as [string, string, string];
    const [acctB, taskB] = b.key.split('/') as [string, string, string];
    const paths = [
      b.path, `/files/${acctA}/${taskB}/out.txt`, `/files/${acctB}/${taskA}/out.txt`, `/files/${acctA}/${taskA}/out.wav`,
      `/files/${acctA}/${taskA}/OUT.txt`, `/files/${acctA.toUpperCase()}/${taskA}/out.txt`, `/files/${acctA}/${taskA}/out.txt/`,
      `/files/${acctA}//${taskA}/out.txt`, `/files/${acctA}/./${taskA}/out.txt`, `/files/${acctA}/${taskA}/../${taskA}/out.txt`,
      `/files/${acctA}/${taskA}/%2e%2e/${taskA}/out.txt`, `/files/${acctA}/${taskA}/out.txt%00`,
      `/files/${acctA}/${taskA}/out.txt%20`, `/files/${acctA}/${taskA}`, `/files/${acctA}`, '/files/',
    ];
    for (const p of paths) {
      const res = await get(p + q(a.expires, a.sig));
      expect([403, 404], p).toContain(res.status);
      for (const re of FOREIGN) expect(res.text, p).not.toMatch(re);
    }
    // %2F is a slash once decoded: the same key, so the same file (and only that one)
    expect((await get(`/files/${acctA}%2F${taskA}%2Fout.txt${q(a.expires, a.sig)}`)).text).toBe('alpha file');
    // and the other way round: bravo's signature opens only bravo's file
    expect((await get(a.path + q(b.expires, b.sig))).status).toBe(403);
    expect((await get(b.path + q(b.expires, b.sig))).text).toBe('bravo file');
  });
});

describe('path traversal', () => {
  const TRAVERSALS = [
    '/files/../genq.db', '/files/..%2fgenq.db', '/files/..%2Fgenq.db', '/files/%2e%2e/genq.db', '/files/%2e%2e%2fgenq.db', '/files/.%2e/genq.db',
    '/files/..%5cgenq.db', '/files/..\\genq.db', '/files/..%c0%afgenq.db', '/files/..%25%32%66genq.db', '/files//etc/passwd', '/files/%2fetc%2fpasswd',
    '/files/etc/passwd%00.txt', '/files/C:%5cWindows%5cwin.ini', `/files/${'../'.repeat(20)}etc/passwd`, `/files/${'..%2f'.repeat(20)}etc%2fpasswd`,
    '/files/files/../genq.db', '/files/./genq.db', '/files/genq.db', '/files/genq.db-wal',
    '/assets/../../genq.db', '/assets/..%2f..%2fgenq.db', '/assets/%2e%2e/%2e%2e/cli/main.js', '/assets/../index.html', '/assets/..%2findex.html',
    '/v1/../files/genq.db', '/v1/tasks/..%2f..%2fhealthz', '/finevoice/v1/task/..%2f..%2f..%2fgenq.db', '/camb/tts-result/..%2f1',
  ];

  it('no spelling of ../ (encoded, double-encoded, overlong UTF-8, backslashes, absolute) reaches a file outside storage', async () => {
    for (const p of TRAVERSALS) {
      for (const query of ['', q(a.expires, a.sig)]) {
        const res = await get(p + query);
        expect(res.status, p + query).toBeGreaterThanOrEqual(400);
        for (const re of FOREIGN) expect(res.text, p).not.toMatch(re);
      }
    }
  });

  it('even with a valid signature, a key that leaves storage or names a folder never serves a byte from outside it', async () => {
    const [acct, task] = a.key.split('/') as [string, string, string];
    const future = Math.floor(Date.now() / 1000) + 600;
    for (const key of [`${acct}/../../genq.db`, '../genq.db', `${acct}/..`, `${acct}/${task}/.`, `${acct}/${task}`, acct]) {
      const res = await get(signedPath(signer, key, future), {}, true);
      expect(res.status, key).not.toBe(200);
      for (const re of FOREIGN) expect(res.text, key).not.toMatch(re);
    }
  });

  // Regression (a bug found in session 2): LocalStorage.file() throws a plain Error for a "." or
  // ".." segment and files-route.ts lets it through: 500. Unreachable without the signing secret
  // (genq never signs such a key), so defence in depth only. Fix: refuse such keys in
  // files-route.ts before verifying.
  it('a signed key with "." or ".." segments is a 4xx, not a 500', async () => {
    const [acct, task] = a.key.split('/') as [string, string, string];
    const future = Math.floor(Date.now() / 1000) + 600;
    for (const key of [`${acct}/../../genq.db`, '../genq.db', `${acct}/..`, `${acct}/${task}/.`]) {
      const res = await get(signedPath(signer, key, future), {}, true);
      expect(res.status, key).toBeLessThan(500);
    }
  });

  // Regression (a bug found in session 2): a signed key that names a folder stats fine, then the read fails with EISDIR after the
  // route has set content-type: octet-stream, so the error handler's JSON cannot be sent and
  // Fastify answers its own 500 body ({"code":"FST_ERR_REP_INVALID_PAYLOAD_TYPE",…}). Fix:
  // LocalStorage.size() → null unless stat.isFile().
  it('a signed key naming a folder is a 404, not a 500', async () => {
    const [acct, task] = a.key.split('/') as [string, string, string];
    const future = Math.floor(Date.now() / 1000) + 600;
    for (const key of [`${acct}/${task}`, acct]) {
      const res = await get(signedPath(signer, key, future), {}, true);
      expect(res.status, key).toBe(404);
    }
  });
});

describe('file names in uploads and reference fields', () => {
  it('an upload is stored under its upl_ id in its account folder, whatever file name or path the request claims', async () => {
    const before = new Set(listFiles(server.dataDir));
    const tmpBefore = new Set(fs.readdirSync(os.tmpdir()));
    const res = await fetch(`${server.url}/v1/uploads`, {
      method: 'POST', body: wav(),
      headers: {
        authorization: `Bearer ${alpha.key}`, 'content-type': 'audio/wav', 'content-disposition': 'attachment; filename="../../../../evil-upload.wav"',
        'x-file-name': '../../evil-upload.wav',
      },
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    expect(id).toMatch(/^upl_[0-9a-f]{24}$/);
    const added = listFiles(server.dataDir).filter((f) => !before.has(f) && !/genq\.db/.test(f));
    const acct = a.key.split('/')[0]!;
    expect(added).toEqual([path.join('files', acct, 'uploads', id)]);
    expect(fs.readdirSync(os.tmpdir()).filter((f) => !tmpBefore.has(f) && /evil/.test(f))).toEqual([]);
  });

  it('traversal in the upload path itself is a 404, and stores nothing', async () => {
    const before = listFiles(server.dataDir).filter((f) => f.includes('uploads')).length;
    for (const p of ['/v1/uploads/../../evil', '/v1/uploads/..%2f..%2fevil', '/v1/uploads%2f..%2f..%2fevil', '/v1/uploads/.', '/v1/uploads/%00']) {
      const r = { method: 'POST', path: p, headers: { authorization: `Bearer ${alpha.key}`, 'content-type': 'audio/wav' }, body: wav(50) };
      const res = await send(server.port, r);
      assertNoFault(r, res);
      expect(res.status, p).toBeGreaterThanOrEqual(400);
    }
    expect(listFiles(server.dataDir).filter((f) => f.includes('uploads')).length).toBe(before);
  });

  it('reference-audio fields that name a path, a file: URL or a private address are refused at create, in every dialect', async () => {
    const refs = ['../../genq.db', '..\\..\\genq.db', '/etc/passwd', 'C:\\Windows\\win.ini', 'file:///etc/passwd', 'upl_../../../genq.db',
      `upl_${'0'.repeat(23)}/`, `${server.url}/healthz`, 'http://localhost/x', 'http://[::1]/x', 'http://169.254.169.254/latest', 'http://0x7f000001/x'];
    const before = (await alpha.listAll()).length;
    const auth = { authorization: `Bearer ${alpha.key}`, 'content-type': 'application/json' };
    for (const ref of refs) {
      const tries: Array<[string, unknown]> = [
        ['/v1/tasks', { capability: 'voice', action: 'clone', input: { reference_audio: ref, name: 'x', text: 'hi' } }],
        ['/v1/tasks', { capability: 'voice', action: 'convert', input: { source_audio: ref, voice: 'en-us-male-1' } }],
        ['/finevoice/v1/audio/voice-conversion', { voice: 'james', sourceUrl: ref, useAsync: true }],
        ['/aiclone/api/v2/voice/clone', { text: 'hi', reference_audio_url: ref }],
        ['/modelhunter/api/v1/genq/voice-clone', { input: { reference_audio: ref, name: 'x', text: 'hi' } }],
      ];
      for (const [p, body] of tries) {
        const r = { method: 'POST', path: p, headers: auth, body: JSON.stringify(body) };
        const res = await send(server.port, r);
        assertNoFault(r, res);
        expect([400, 422], `${p} with ${ref}: ${res.text.slice(0, 200)}`).toContain(res.status);
      }
    }
    expect((await alpha.listAll()).length).toBe(before);
  });
});
