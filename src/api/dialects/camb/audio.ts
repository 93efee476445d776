/**
 * Sends a task's audio file in the format a CAMB.AI client asked for. genq's engines store WAV;
 * FLAC (the vendor's default for raw bytes) and raw `pcm_s16le` are re-encoded from it, WAV and
 * anything the engine produced itself (mp3) are sent as stored.
 */
import type { FastifyReply } from 'fastify';
import type { ApiContext } from '../../context.js';
import { GenqError } from '../../../core/errors.js';
import type { StoredFile, Task } from '../../../core/task.js';
import { encodeFlac } from './flac.js';
import { parsePcm16Wav, pcmS16le } from './wav.js';

export type AudioFormat = 'flac' | 'wav' | 'pcm_s16le' | 'mp3';

export function audioFileOf(t: Task): StoredFile {
  const file = t.result?.files.find((f) => f.content_type.startsWith('audio/'));
  if (!file) throw new GenqError('NO_AUDIO', `Run ${t.run_id} produced no audio file`, { status: 400, type: 'invalid_request' });
  return file;
}

async function readAll(ctx: ApiContext, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of (await ctx.storage.read(key)) as AsyncIterable<Buffer | string>) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  return Buffer.concat(chunks);
}

function encode(stored: Buffer, file: StoredFile, want: AudioFormat): { data: Uint8Array; type: string } {
  const pcm = want === 'flac' || want === 'pcm_s16le' ? parsePcm16Wav(stored) : null;
  if (pcm && want === 'flac') return { data: encodeFlac(pcm), type: 'audio/flac' };
  if (pcm && want === 'pcm_s16le') return { data: pcmS16le(pcm), type: `audio/L16; rate=${pcm.sampleRate}; channels=${pcm.channels}` };
  return { data: stored, type: file.content_type };
}

export async function sendAudio(ctx: ApiContext, reply: FastifyReply, file: StoredFile, want: AudioFormat): Promise<FastifyReply> {
  const { data, type } = encode(await readAll(ctx, file.key), file, want);
  const ext = type === 'audio/flac' ? 'flac' : type.startsWith('audio/L16') ? 'pcm' : file.format;
  reply.header('content-type', type).header('content-length', data.length).header('content-disposition', `inline; filename="speech.${ext}"`);
  return reply.send(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
}
