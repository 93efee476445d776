/**
 * S3-compatible storage against a real S3-protocol server on loopback (s3rver), not a mock of
 * the client: presigned URLs that match the AWS SDK's presigner byte for byte, the storage
 * operations genq uses, and a genq server writing results to the bucket, handing out
 * presigned expiring URLs, and deleting tasks and their objects at the end of retention.
 *
 * Note: s3rver checks a presigned URL's expiry but not its SigV4 signature; that the signature
 * is right is shown by the equality with the SDK's own presigner.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import S3rver from 's3rver';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { S3RequestPresigner } from '@aws-sdk/s3-request-presigner';
import { S3Presigner, uriEncode } from '../../src/storage/s3-presign.js';
import { S3Storage } from '../../src/storage/s3-storage.js';
import { loadConfig } from '../../src/config.js';
import { Api, cli, makeKey, start, stopAll, waitFor } from '../helpers/server.js';

const BUCKET = 'genq-test';
const CREDS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };
let s3server: { run(): Promise<{ port: number }>; close(): Promise<void> };
let endpoint = '';
let dir = '';

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genq-s3rver-'));
  s3server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: BUCKET }] });
  const { port } = await s3server.run();
  endpoint = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await stopAll();
  await s3server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const s3Config = (storage: string) => loadConfig({ storage }, { ...CREDS }).storage as Extract<ReturnType<typeof loadConfig>['storage'], { kind: 's3' }>;

async function objectKeys(prefix = ''): Promise<string[]> {
  const c = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  const out = await c.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  c.destroy();
  return (out.Contents ?? []).map((o) => o.Key!);
}

describe('S3 presigning', () => {
  const cases = [
    { name: 'path-style on a custom endpoint', origin: 'http://127.0.0.1:9000', hostname: '127.0.0.1', port: 9000, protocol: 'http:', path: '/bucket/acct/task/out file (1)+ü.wav', token: undefined },
    { name: 'virtual-hosted on AWS, with a session token', origin: 'https://bkt.s3.eu-west-1.amazonaws.com', hostname: 'bkt.s3.eu-west-1.amazonaws.com', port: undefined, protocol: 'https:', path: '/results/a/b/out.wav', token: 'FwoGZXIvYXdzE//token+=' },
  ];
  for (const c of cases) {
    it(`matches the AWS SDK's presigner exactly: ${c.name}`, async () => {
      const region = c.origin.includes('eu-west-1') ? 'eu-west-1' : 'us-east-1';
      const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', ...(c.token ? { sessionToken: c.token } : {}) };
      const when = new Date('2026-03-04T05:06:07Z');
      const mine = new URL(new S3Presigner(credentials).presignGet({ origin: c.origin, path: c.path, region }, 900, when));
      const sha256 = new S3Client({ region }).config.sha256;
      const sdk = await new S3RequestPresigner({ credentials, region, sha256 }).presign(
        { method: 'GET', protocol: c.protocol, hostname: c.hostname, ...(c.port ? { port: c.port } : {}), path: uriEncode(c.path, true), query: {}, headers: { host: c.port ? `${c.hostname}:${c.port}` : c.hostname } } as never,
        { signingDate: when, expiresIn: 900 },
      );
      expect(mine.pathname).toBe(sdk.path);
      const sdkQuery = Object.fromEntries(Object.entries(sdk.query).map(([k, v]) => [k, String(v)]));
      expect(Object.fromEntries(mine.searchParams)).toEqual(sdkQuery);
      expect(mine.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    });
  }
});

describe('S3Storage on a loopback S3 server', () => {
  it('puts, sizes, reads ranges, presigns, deletes and deletes by prefix', async () => {
    const storage = new S3Storage(s3Config(`s3://${BUCKET}/unit?endpoint=${endpoint}`));
    await storage.init();
    try {
      await storage.put('acct/t1/a.txt', new TextEncoder().encode('hello world'), 'text/plain');
      await storage.put('acct/t1/b.txt', new TextEncoder().encode('two'), 'text/plain');
      await storage.put('acct/t2/c.txt', new TextEncoder().encode('other'), 'text/plain');
      expect(await objectKeys('unit/')).toEqual(['unit/acct/t1/a.txt', 'unit/acct/t1/b.txt', 'unit/acct/t2/c.txt']);
      expect(await storage.size('acct/t1/a.txt')).toBe(11);
      expect(await storage.size('acct/t1/nope.txt')).toBeNull();
      const chunks: Buffer[] = [];
      for await (const c of (await storage.read('acct/t1/a.txt', { start: 6, end: 10 })) as AsyncIterable<Buffer>) chunks.push(c);
      expect(Buffer.concat(chunks).toString()).toBe('world');

      const url = storage.presignedUrl('acct/t1/a.txt', Math.floor(Date.now() / 1000) + 60);
      expect(url.startsWith(`${endpoint}/${BUCKET}/unit/acct/t1/a.txt?`)).toBe(true);
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/plain');
      expect(await res.text()).toBe('hello world');

      await storage.deletePrefix('acct/t1/');
      expect(await objectKeys('unit/')).toEqual(['unit/acct/t2/c.txt']);
      await storage.delete('acct/t2/c.txt');
      expect(await objectKeys('unit/')).toEqual([]);
    } finally {
      storage.close();
    }
  });
});

describe('genq with --storage s3://…', () => {
  it('will not start when the bucket cannot be reached, and says why', async () => {
    const r = await cli(['serve', '--port', '0', '--data-dir', fs.mkdtempSync(path.join(os.tmpdir(), 'genq-s3bad-')), '--storage', 's3://no-such-bucket?endpoint=http://127.0.0.1:1'], CREDS);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/error: Cannot use S3 bucket "no-such-bucket" at http:\/\/127\.0\.0\.1:1/);
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });

  it('stores results in the bucket, hands out presigned expiring URLs, and deletes them at the end of retention', async () => {
    const server = await start({
      env: {
        ...CREDS, GENQ_ENABLE_NOOP: '1', GENQ_STORAGE: `s3://${BUCKET}/results?endpoint=${endpoint}`,
        GENQ_FILE_URL_TTL_S: '2', GENQ_RETENTION_S: '4',
      },
    });
    const key = await makeKey(server.dataDir);
    const api = new Api(server.url, key.key);
    const created = await api.noop({ write_file: true, text: 'bytes in a bucket' });
    const done = await api.waitTerminal(created.id);
    expect(done.status).toBe('succeeded');
    const file = done.result!.files[0]!;
    const url = new URL(file.url);
    expect(url.origin).toBe(endpoint);
    expect(url.pathname).toBe(`/${BUCKET}/results/${key.account_id}/${created.id}/out.txt`);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('2');
    const got = await fetch(file.url);
    expect(got.status).toBe(200);
    expect(await got.text()).toBe('bytes in a bucket');
    expect(await objectKeys(`results/${key.account_id}/${created.id}/`)).toHaveLength(1);

    // queue visibility on the embedded store too: this process is its own live worker
    const status = await api.get('/v1/status');
    expect(status.body).toMatchObject({ object: 'status', store: 'sqlite', storage: 's3', totals: { queued: 0, workers: 1 } });
    expect(status.body.workers[0]).toMatchObject({ pid: server.proc.pid, concurrency: 16 });
    const shown = await cli(['status', '--url', server.url, '--api-key', key.key]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/store sqlite, storage s3: 0 queued, 0 running; 1 workers/);
    expect(shown.stdout).toContain(`${server.proc.pid}`);

    // the link stops working when it expires; reading the task again gives a fresh one
    await new Promise((r) => setTimeout(r, 3100));
    expect((await fetch(file.url)).status).toBe(403);
    const again = await api.get(`/v1/tasks/${created.id}`);
    if (again.status === 200) expect((await fetch(again.body.result.files[0].url)).status).toBe(200);

    // retention: task and object go once the task has been finished for GENQ_RETENTION_S
    await waitFor(async () => (await api.get(`/v1/tasks/${created.id}`)).status === 404, { timeoutMs: 15_000, what: 'retention to delete the task' });
    expect(await objectKeys(`results/${key.account_id}/${created.id}/`)).toEqual([]);
    const c = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    await expect(c.send(new GetObjectCommand({ Bucket: BUCKET, Key: `results/${key.account_id}/${created.id}/out.txt` }))).rejects.toThrow();
    c.destroy();
  }, 60_000);
});
