/**
 * AWS Signature V4 query-string presigning of GET requests, synchronously.
 *
 * Why not @aws-sdk/s3-request-presigner at render time: it is async, while a task is rendered
 * synchronously by every dialect (one file URL per file, each time the task is read). The
 * algorithm is small and fixed; test/integration/scale-s3.test.ts checks that this produces
 * exactly the URL the SDK's presigner produces for the same request and time, and that the
 * S3 server serves it.
 */
import crypto from 'node:crypto';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface PresignTarget {
  /** e.g. http://127.0.0.1:9000 or https://bucket.s3.eu-west-1.amazonaws.com */
  origin: string;
  /** the object's path, unencoded, starting with '/' (path-style: /bucket/key) */
  path: string;
  region: string;
}

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ */
export function uriEncode(s: string, keepSlash = false): string {
  const out = encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return keepSlash ? out.replace(/%2F/g, '/') : out;
}

const hmac = (key: crypto.BinaryLike, data: string) => crypto.createHmac('sha256', key).update(data).digest();
const sha256hex = (data: string) => crypto.createHash('sha256').update(data).digest('hex');

/** `YYYYMMDDTHHMMSSZ` */
export function amzDate(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

export class S3Presigner {
  private keyCache: { scope: string; key: Buffer } | null = null;

  constructor(private credentials: Credentials) {}

  setCredentials(c: Credentials): void {
    this.credentials = c;
    this.keyCache = null;
  }

  private signingKey(date: string, region: string): Buffer {
    const scope = `${date}/${region}/${this.credentials.accessKeyId}`;
    if (this.keyCache?.scope === scope) return this.keyCache.key;
    const kDate = hmac(`AWS4${this.credentials.secretAccessKey}`, date);
    const key = hmac(hmac(hmac(kDate, region), 's3'), 'aws4_request');
    this.keyCache = { scope, key };
    return key;
  }

  /** a GET URL valid for `expiresInS` seconds (1 … 604800) from `now` */
  presignGet(t: PresignTarget, expiresInS: number, now: Date = new Date()): string {
    const stamp = amzDate(now);
    const date = stamp.slice(0, 8);
    const scope = `${date}/${t.region}/s3/aws4_request`;
    const host = new URL(t.origin).host;
    const query: Array<[string, string]> = [
      ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
      ['X-Amz-Content-Sha256', 'UNSIGNED-PAYLOAD'],
      ['X-Amz-Credential', `${this.credentials.accessKeyId}/${scope}`],
      ['X-Amz-Date', stamp],
      ['X-Amz-Expires', String(Math.max(1, Math.min(604_800, Math.floor(expiresInS))))],
      ...(this.credentials.sessionToken ? [['X-Amz-Security-Token', this.credentials.sessionToken] as [string, string]] : []),
      ['X-Amz-SignedHeaders', 'host'],
    ];
    const canonicalQuery = query
      .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${k}=${v}`)
      .join('&');
    const canonicalPath = uriEncode(t.path, true);
    const canonicalRequest = ['GET', canonicalPath, canonicalQuery, `host:${host}`, '', 'host', 'UNSIGNED-PAYLOAD'].join('\n');
    const stringToSign = ['AWS4-HMAC-SHA256', stamp, scope, sha256hex(canonicalRequest)].join('\n');
    const signature = crypto.createHmac('sha256', this.signingKey(date, t.region)).update(stringToSign).digest('hex');
    return `${t.origin}${canonicalPath}?${canonicalQuery}&X-Amz-Signature=${signature}`;
  }
}
