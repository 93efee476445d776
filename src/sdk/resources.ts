/** The small resources: voices, models, the account, and file uploads. */
import type { HttpClient } from './http.js';
import type { Account, Model, Upload, UploadBody, Voice } from './types.js';

export class Voices {
  constructor(private readonly http: HttpClient) {}

  /** GET /v1/voices: the built-in voices, then the account's own (which may carry a `sample_url`). */
  async list(opts: { signal?: AbortSignal } = {}): Promise<Voice[]> {
    return (await this.http.json<{ data: Voice[] }>('GET', '/v1/voices', { signal: opts.signal })).data;
  }
}

export class Models {
  constructor(private readonly http: HttpClient) {}

  /** GET /v1/models: what this server runs. */
  async list(opts: { signal?: AbortSignal } = {}): Promise<Model[]> {
    return (await this.http.json<{ data: Model[] }>('GET', '/v1/models', { signal: opts.signal })).data;
  }
}

export class AccountResource {
  constructor(private readonly http: HttpClient) {}

  /** GET /v1/account: the account of the key, its credit balance and webhook secret. */
  get(opts: { signal?: AbortSignal } = {}): Promise<Account> {
    return this.http.json<Account>('GET', '/v1/account', { signal: opts.signal });
  }
}

export interface UploadOptions {
  /** audio/wav, audio/mpeg, audio/ogg or application/octet-stream; default: the Blob's own type, else application/octet-stream */
  contentType?: string;
  signal?: AbortSignal;
  /** uploads can be large (up to 20 MiB): the request timeout is 10 minutes unless set */
  timeoutMs?: number;
}

export class Uploads {
  constructor(private readonly http: HttpClient) {}

  /**
   * POST /v1/uploads: the file is the raw request body (not multipart); WAV, MP3 or Ogg, at
   * most 20 MiB. Put the answer's `id` in a voice clone/convert task's input.
   *
   * Not retried: the endpoint takes no Idempotency-Key, so a retry after a lost answer could
   * store the file twice. A 429/503 or a connection error comes back to you as an error.
   */
  create(file: UploadBody, opts: UploadOptions = {}): Promise<Upload> {
    const blobType = typeof Blob !== 'undefined' && file instanceof Blob ? file.type : '';
    return this.http.json<Upload>('POST', '/v1/uploads', {
      body: file as RequestInit['body'],
      headers: { 'content-type': opts.contentType ?? (blobType || 'application/octet-stream') },
      signal: opts.signal,
      idempotent: false,
      timeoutMs: opts.timeoutMs ?? 600_000,
    });
  }
}
