/**
 * Where result files live. Downloads go through signed, expiring URLs: genq's own /files/…
 * URLs made by url-signer.ts, or, for storage that can sign its own (S3), presigned URLs.
 */
export interface BlobStorage {
  readonly kind: 'local' | 's3';
  put(key: string, data: Uint8Array, contentType: string): Promise<void>;
  /** size in bytes, or null when the object does not exist */
  size(key: string): Promise<number | null>;
  /** a readable stream of bytes [start, end] inclusive, or the whole object */
  read(key: string, range?: { start: number; end: number }): Promise<NodeJS.ReadableStream>;
  delete(key: string): Promise<void>;
  /** deletes every object whose key starts with `prefix` (a task's folder, `account/task/`) */
  deletePrefix(prefix: string): Promise<void>;
  /** a URL the client downloads from directly, valid until `expiresAtS` (unix seconds); absent = use /files/… */
  presignedUrl?(key: string, expiresAtS: number): string;
}
