/**
 * Reference and source audio for clone and convert: an upload id (`upl_…`, from
 * POST /v1/uploads), an http(s) URL, or a `data:audio/…;base64,` URI. The form is checked
 * at creation; the bytes are read, decoded and judged (audio? speech? long enough?) when
 * the task runs, and every problem found then fails the task with INVALID_INPUT.
 */
import { invalidInput, isGenqError } from '../../core/errors.js';
import type { ProviderContext } from '../provider.js';
import type { EnginePool } from '../engine-pool.js';
import type { Audio } from '../audio/audio.js';
import type { VoiceAnalysis } from '../audio/pitch.js';
import { fetchUrl, FetchRefused } from '../../net/fetch-url.js';
import { checkOutboundUrl } from '../../net/check-url.js';

export const UPLOAD_ID = /^upl_[a-z0-9]{24}$/;
export const MAX_REFERENCE_BYTES = 20 * 1024 * 1024;
export const MIN_SECONDS = 1;
export const MAX_SECONDS = 300;
const FETCH_TIMEOUT_MS = 15_000;
const DATA_URI = /^data:(audio\/[a-z0-9.+-]+|application\/octet-stream)(;[a-z0-9=.+-]+)*;base64,/i;

export interface ReferenceOptions {
  allowPrivateUrls: boolean;
}

/** Validates the form of a reference at creation; returns it trimmed. */
export function checkReference(field: string, value: unknown, opts: ReferenceOptions): string {
  if (typeof value !== 'string' || !value.trim()) {
    throw invalidInput(`"${field}" is required: an upload id from POST /v1/uploads, an http(s) URL, or a data:audio/…;base64, URI.`, { field });
  }
  const v = value.trim();
  if (UPLOAD_ID.test(v)) return v;
  if (/^data:/i.test(v)) {
    if (!DATA_URI.test(v)) throw invalidInput(`"${field}" is a data URI but not "data:audio/<type>;base64,…".`, { field });
    const b64 = v.slice(v.indexOf(',') + 1);
    if (!/^[A-Za-z0-9+/=_-]*$/.test(b64) || b64.length < 16) throw invalidInput(`"${field}" holds no valid base64 audio.`, { field });
    if ((b64.length * 3) / 4 > MAX_REFERENCE_BYTES) throw invalidInput(`"${field}" is larger than ${MAX_REFERENCE_BYTES} bytes.`, { field });
    return v;
  }
  if (/^https?:\/\//i.test(v)) {
    // the same check as every URL genq calls (net/check-url.ts): a tab or newline inside is
    // refused rather than silently dropped by the parser; the answer stays this field's 422
    try {
      return checkOutboundUrl(v, { allowPrivate: opts.allowPrivateUrls, purpose: field }).href;
    } catch (e) {
      if (isGenqError(e)) throw invalidInput(`"${field}": ${e.message.slice(field.length + 2)}.`, { field });
      throw e;
    }
  }
  throw invalidInput(`"${field}" must be an upload id ("upl_…" from POST /v1/uploads), an http(s) URL, or a data:audio/…;base64, URI.`, { field });
}

async function bytesOf(field: string, ref: string, ctx: ProviderContext, opts: ReferenceOptions): Promise<Uint8Array> {
  if (UPLOAD_ID.test(ref)) {
    if (!ctx.account) throw invalidInput(`"${field}": uploads cannot be read by this worker.`, { field });
    const bytes = await ctx.account.readUpload(ref);
    if (!bytes) throw invalidInput(`"${field}": no upload "${ref}" exists for this account (uploads are kept per account).`, { field });
    return bytes;
  }
  if (ref.startsWith('data:')) return new Uint8Array(Buffer.from(ref.slice(ref.indexOf(',') + 1), 'base64'));
  try {
    return await fetchUrl(ref, { maxBytes: MAX_REFERENCE_BYTES, timeoutMs: FETCH_TIMEOUT_MS, allowPrivate: opts.allowPrivateUrls, signal: ctx.signal });
  } catch (e) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (e instanceof FetchRefused) throw invalidInput(`"${field}": ${e.message}.`, { field });
    throw invalidInput(`"${field}": the URL could not be fetched (${(e as Error).message}).`, { field });
  }
}

export interface LoadedAudio {
  audio: Audio;
  analysis: VoiceAnalysis;
}

/** Reads, decodes and analyses a reference; throws INVALID_INPUT for anything unusable. */
export async function loadSpeech(field: string, ref: string, ctx: ProviderContext, pool: EnginePool, opts: ReferenceOptions): Promise<LoadedAudio> {
  const bytes = await bytesOf(field, ref, ctx, opts);
  if (bytes.length === 0) throw invalidInput(`"${field}" is empty.`, { field });
  const decoded = await pool.decode(bytes, ctx.signal);
  if ('error' in decoded) throw invalidInput(`"${field}" is not usable audio: ${decoded.error}.`, { field });
  const seconds = decoded.audio.samples.length / decoded.audio.sampleRate;
  if (seconds < MIN_SECONDS) throw invalidInput(`"${field}" is ${seconds.toFixed(2)} s long; at least ${MIN_SECONDS} s of speech is needed.`, { field });
  if (seconds > MAX_SECONDS) throw invalidInput(`"${field}" is ${Math.round(seconds)} s long; the limit is ${MAX_SECONDS} s. Send a shorter excerpt.`, { field });
  const analysis = await pool.analyse(decoded.audio, ctx.signal);
  if (analysis.level_dbfs < -60 || analysis.median_f0_hz === null || analysis.voiced_ratio < 0.05) {
    throw invalidInput(`"${field}" holds no voiced speech (it is silent, or noise without a pitch); send a recording of someone speaking.`, { field });
  }
  return { audio: decoded.audio, analysis };
}
