/**
 * Reads WAV (any PCM/float/A-law/µ-law layout, via @echogarden/wave-codec), MP3 (mpg123
 * compiled to WASM) and Ogg Vorbis (libvorbis compiled to WASM) into mono float audio.
 * Runs inside the engine worker threads: decoding a long upload is CPU work.
 */
import { decodeWaveToFloat32Channels } from '@echogarden/wave-codec';
import { MPEGDecoder } from 'mpg123-decoder';
import { OggVorbisDecoder } from '@wasm-audio-decoders/ogg-vorbis';
import { mixToMono, type Audio } from './audio.js';
import { sniffFormat } from './formats.js';

export class NotAudioError extends Error {
  override name = 'NotAudioError';
}

function decoded(channels: Float32Array[], sampleRate: number, what: string): Audio {
  const samples = mixToMono(channels);
  if (!sampleRate || samples.length === 0) throw new NotAudioError(`the ${what} data holds no audio samples`);
  return { sampleRate, samples };
}

export async function decodeAudio(bytes: Uint8Array): Promise<Audio> {
  const format = sniffFormat(bytes);
  if (format === 'wav') {
    let raw;
    try {
      raw = decodeWaveToFloat32Channels(bytes, true, true);
    } catch (e) {
      throw new NotAudioError(`the WAV file could not be read: ${(e as Error).message}`);
    }
    return decoded(raw.audioChannels, raw.sampleRate, 'WAV');
  }
  if (format === 'mp3') {
    const decoder = new MPEGDecoder();
    await decoder.ready;
    try {
      const out = decoder.decode(bytes);
      return decoded(out.channelData.map((c) => c.subarray(0, out.samplesDecoded)), out.sampleRate, 'MP3');
    } finally {
      decoder.free();
    }
  }
  if (format === 'ogg') {
    const decoder = new OggVorbisDecoder();
    await decoder.ready;
    try {
      const out = await decoder.decodeFile(bytes);
      if (out.samplesDecoded === 0) throw new NotAudioError('the Ogg file holds no Vorbis audio (Ogg Opus and FLAC are not read)');
      return decoded(out.channelData.map((c) => c.subarray(0, out.samplesDecoded)), out.sampleRate, 'Ogg Vorbis');
    } finally {
      decoder.free();
    }
  }
  throw new NotAudioError('the data is not audio genq can read: send WAV, MP3 or Ogg Vorbis');
}
