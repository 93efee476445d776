import { ConfigError, type StorageConfig } from '../config.js';
import type { BlobStorage } from './blob-storage.js';
import { LocalStorage } from './local-storage.js';
import { S3Storage } from './s3-storage.js';

/** Builds the configured blob storage; an S3 bucket that cannot be reached stops start-up with a clear error. */
export async function openStorage(cfg: StorageConfig): Promise<BlobStorage & { close?(): void }> {
  if (cfg.kind === 'local') return new LocalStorage(cfg.dir);
  const s3 = new S3Storage(cfg);
  try {
    await s3.init();
  } catch (e) {
    s3.close();
    const err = e as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
    const status = err.$metadata?.httpStatusCode;
    const why = status ? `HTTP ${status}${err.name && err.name !== 'Unknown' ? ` ${err.name}` : ''}` : (err.code ?? err.message ?? String(e));
    throw new ConfigError(
      `Cannot use S3 bucket "${cfg.bucket}" at ${cfg.endpoint ?? `AWS (${cfg.region})`} (${why}). ` +
        'Check --storage / GENQ_STORAGE, that the bucket exists, and AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.',
    );
  }
  return s3;
}
