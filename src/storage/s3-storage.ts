/**
 * Blob storage in an S3-compatible bucket (AWS S3, MinIO, Ceph, R2, s3rver…). Every api and
 * worker process points at the same bucket; a worker writes a result, any api process hands
 * out a presigned URL to it, and the client downloads from the bucket directly.
 *
 * Credentials: from the config (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN)
 * or, when those are not set, the AWS SDK's default chain (profile, SSO, instance role…),
 * resolved at start and refreshed before they expire.
 */
import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand, DeleteObjectsCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command,
  PutObjectCommand, S3Client, S3ServiceException,
} from '@aws-sdk/client-s3';
import type { StorageConfig } from '../config.js';
import type { BlobStorage } from './blob-storage.js';
import { S3Presigner } from './s3-presign.js';

type S3Config = Extract<StorageConfig, { kind: 's3' }>;

const DNS_SAFE_BUCKET = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

export class S3Storage implements BlobStorage {
  readonly kind = 's3' as const;
  readonly client: S3Client;
  private presigner: S3Presigner | null = null;
  private refresh: NodeJS.Timeout | null = null;
  /** where presigned URLs point, and the path prefix in front of a key there */
  private readonly origin: string;
  private readonly pathPrefix: string;

  constructor(private readonly cfg: S3Config) {
    this.client = new S3Client({
      region: cfg.region,
      forcePathStyle: cfg.forcePathStyle,
      ...(cfg.endpoint ? { endpoint: cfg.endpoint } : {}),
      ...(cfg.credentials ? { credentials: { ...cfg.credentials } } : {}),
      // genq reads whole small objects and checks sizes itself
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    const base = cfg.endpoint ?? `https://s3.${cfg.region}.amazonaws.com`;
    const virtualHost = !cfg.forcePathStyle && DNS_SAFE_BUCKET.test(cfg.bucket);
    if (virtualHost) {
      const u = new URL(base);
      u.hostname = `${cfg.bucket}.${u.hostname}`;
      this.origin = u.origin;
      this.pathPrefix = '/';
    } else {
      this.origin = new URL(base).origin;
      this.pathPrefix = `/${cfg.bucket}/`;
    }
  }

  /** resolves credentials and checks the bucket answers, so a bad setup fails at start-up */
  async init(): Promise<void> {
    await this.loadCredentials();
    await this.client.send(new HeadBucketCommand({ Bucket: this.cfg.bucket }));
  }

  private async loadCredentials(): Promise<void> {
    const c = await this.client.config.credentials();
    const creds = { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}) };
    if (this.presigner) this.presigner.setCredentials(creds);
    else this.presigner = new S3Presigner(creds);
    if (c.expiration) {
      // temporary credentials: fetch fresh ones five minutes before these run out
      const inMs = Math.max(10_000, c.expiration.getTime() - Date.now() - 5 * 60_000);
      this.refresh = setTimeout(() => void this.loadCredentials().catch(() => {}), inMs);
      this.refresh.unref();
    }
  }

  private key(key: string): string {
    return this.cfg.prefix + key;
  }

  async put(key: string, data: Uint8Array, contentType: string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.cfg.bucket, Key: this.key(key), Body: data, ContentType: contentType }));
  }

  async size(key: string): Promise<number | null> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.cfg.bucket, Key: this.key(key) }));
      return head.ContentLength ?? 0;
    } catch (e) {
      if (e instanceof S3ServiceException && (e.$metadata.httpStatusCode === 404 || e.name === 'NotFound')) return null;
      throw e;
    }
  }

  async read(key: string, range?: { start: number; end: number }): Promise<NodeJS.ReadableStream> {
    const out = await this.client.send(new GetObjectCommand({
      Bucket: this.cfg.bucket, Key: this.key(key), ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
    }));
    return out.Body as Readable;
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.cfg.bucket, Key: this.key(key) }));
  }

  async deletePrefix(prefix: string): Promise<void> {
    if (!prefix.endsWith('/') || prefix === '/') throw new Error(`deletePrefix wants a folder ending in "/", got "${prefix}"`);
    for (let token: string | undefined; ;) {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.cfg.bucket, Prefix: this.key(prefix), ContinuationToken: token }));
      const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
      if (keys.length === 1) await this.client.send(new DeleteObjectCommand({ Bucket: this.cfg.bucket, Key: keys[0]!.Key }));
      else if (keys.length > 1) await this.client.send(new DeleteObjectsCommand({ Bucket: this.cfg.bucket, Delete: { Objects: keys, Quiet: true } }));
      if (!page.IsTruncated) return;
      token = page.NextContinuationToken;
    }
  }

  presignedUrl(key: string, expiresAtS: number): string {
    if (!this.presigner) throw new Error('S3Storage.init() has not run');
    const now = new Date();
    return this.presigner.presignGet(
      { origin: this.origin, path: this.pathPrefix + this.key(key), region: this.cfg.region },
      expiresAtS - Math.floor(now.getTime() / 1000),
      now,
    );
  }

  close(): void {
    if (this.refresh) clearTimeout(this.refresh);
    this.client.destroy();
  }
}
