/** Where result files live. Downloads go through signed, expiring URLs made by url-signer.ts. */
export interface BlobStorage {
  readonly kind: 'local' | 's3';
  put(key: string, data: Uint8Array, contentType: string): Promise<void>;
  /** size in bytes, or null when the object does not exist */
  size(key: string): Promise<number | null>;
  /** a readable stream of bytes [start, end] inclusive, or the whole object */
  read(key: string, range?: { start: number; end: number }): Promise<NodeJS.ReadableStream>;
  delete(key: string): Promise<void>;
}
