/**
 * Every output format decodes, with codec libraries independent of genq's encoders and,
 * where the machine has it, with sox; SSML is honoured; flite speaks too.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createLocalVoiceProviders } from '../../dist/providers/local.js';
import { decodeFile, fakeWorld, hasSox, medianF0, runTask, soxSeconds } from './voice-helpers.js';

const [espeak, flite, lab] = createLocalVoiceProviders({ maxThreads: 2 });
afterAll(async () => {
  for (const p of [espeak, flite, lab]) await p!.close?.();
});

const TEXT = 'Formats are easy to get wrong. Every one of them must decode to the same speech.';

describe('tts output formats', () => {
  for (const format of ['wav', 'mp3', 'ogg']) {
    it(`espeak-ng writes ${format} that decodes to the spoken audio`, async () => {
      const world = fakeWorld();
      const { files, out } = await runTask(world, espeak!, 'espeak-ng', { text: TEXT, format });
      expect(files).toHaveLength(1);
      const file = files[0]!;
      expect(file.name).toBe(`speech.${format}`);
      expect(file.format).toBe(format);
      expect(file.content_type).toBe({ wav: 'audio/wav', mp3: 'audio/mpeg', ogg: 'audio/ogg' }[format]);
      expect(out.result.files[0]!.format).toBe(format);
      const d = await decodeFile(format, file.data);
      // the reported duration is the audio's, and the codec keeps it (mp3 adds a frame of padding)
      expect(Math.abs(d.seconds - file.duration_s!)).toBeLessThan(0.15);
      expect(d.seconds).toBeGreaterThan(3);
      expect(d.seconds).toBeLessThan(9);
      // the default voice is a male one: ~100 Hz survives the lossy codecs
      const f0 = medianF0(d);
      expect(f0).toBeGreaterThan(80);
      expect(f0).toBeLessThan(130);
      if (hasSox) expect(Math.abs(soxSeconds(format, file.data) - d.seconds)).toBeLessThan(0.15);
    });
  }

  it('lossy formats are much smaller than wav', async () => {
    const world = fakeWorld();
    const sizes: Record<string, number> = {};
    for (const format of ['wav', 'mp3', 'ogg']) sizes[format] = (await runTask(world, espeak!, 'espeak-ng', { text: TEXT, format })).files[0]!.data.length;
    expect(sizes.mp3!).toBeLessThan(sizes.wav! / 3);
    expect(sizes.ogg!).toBeLessThan(sizes.wav! / 3);
  });

  it('rejects an unknown format at validation', () => {
    expect(() => espeak!.validate(espeak!.models[0]!, { text: 'hi', format: 'flac' })).toThrow(/wav, mp3, ogg/);
    expect(() => flite!.validate(flite!.models[0]!, { text: 'hi', format: 'aac' })).toThrow(/wav, mp3, ogg/);
  });
});

describe('SSML', () => {
  const speak = async (input: Record<string, unknown>) => {
    const { files } = await runTask(fakeWorld(), espeak!, 'espeak-ng', input);
    return decodeFile('wav', files[0]!.data);
  };

  it('is detected from a leading <speak> and honours <break>', async () => {
    const plain = await speak({ text: 'One. Two.' });
    const ssml = await speak({ text: '<speak>One. <break time="1500ms"/> Two.</speak>' });
    expect(ssml.seconds - plain.seconds).toBeGreaterThan(1.0);
  });

  it('can be switched on with "ssml": true and the tags are not read aloud', async () => {
    const tagged = await speak({ text: '<speak><prosody rate="x-slow">slowly</prosody></speak>', ssml: true });
    const asText = await speak({ text: '<speak><prosody rate="x-slow">slowly</prosody></speak>', ssml: false });
    // read as text, espeak spells out the markup: far longer than the one word
    expect(asText.seconds).toBeGreaterThan(tagged.seconds * 1.5);
    const input = espeak!.validate(espeak!.models[0]!, { text: '<speak>hi</speak>' });
    expect(input.ssml).toBe(true);
  });

  it('flite refuses SSML rather than reading tags aloud', () => {
    expect(() => flite!.validate(flite!.models[0]!, { text: '<speak>hi</speak>' })).toThrow(/SSML/);
    expect(() => flite!.validate(flite!.models[0]!, { text: 'hi', ssml: true })).toThrow(/SSML/);
  });
});

describe('flite', () => {
  it('speaks with a female and a male voice at clearly different pitch, in every format', async () => {
    const world = fakeWorld();
    const f0: Record<string, number> = {};
    for (const [voice, format] of [['flite-slt', 'ogg'], ['flite-rms', 'mp3'], ['flite-awb', 'wav']] as const) {
      const { files } = await runTask(world, flite!, 'flite', { text: TEXT, voice, format });
      const d = await decodeFile(format, files[0]!.data);
      expect(d.seconds).toBeGreaterThan(3);
      f0[voice] = medianF0(d);
    }
    expect(f0['flite-slt']!).toBeGreaterThan(f0['flite-rms']! * 1.3);
  });

  it('speed changes the duration', async () => {
    const world = fakeWorld();
    const slow = await decodeFile('wav', (await runTask(world, flite!, 'flite', { text: TEXT, speed: 0.6 })).files[0]!.data);
    const fast = await decodeFile('wav', (await runTask(world, flite!, 'flite', { text: TEXT, speed: 1.6 })).files[0]!.data);
    expect(slow.seconds / fast.seconds).toBeGreaterThan(1.8);
  });
});
