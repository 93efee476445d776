/**
 * voice/convert re-pitches the source toward the target (median F0 within 20%), keeps its
 * duration (words and timing stay), and fails cleanly on unusable input.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createLocalVoiceProviders } from '../../dist/providers/local.js';
import { decodeFile, fakeWorld, medianF0, runTask, wavDataUri } from './voice-helpers.js';

const [espeak, flite, lab] = createLocalVoiceProviders({ maxThreads: 2 });
afterAll(async () => {
  for (const p of [espeak, flite, lab]) await p!.close?.();
});

const TEXT = 'Convert my speech so that it sounds higher or lower, but keep every word where it was.';

describe('voice/convert', () => {
  it('moves a male source to a built-in female voice, keeping the timing', async () => {
    const world = fakeWorld();
    const src = (await runTask(world, espeak!, 'espeak-ng', { text: TEXT, voice: 'en-us-male-1' })).files[0]!;
    const target = (await runTask(world, espeak!, 'espeak-ng', { text: TEXT, voice: 'en-us-female-1' })).files[0]!;
    const { out, files } = await runTask(world, lab!, 'rubberband-convert', { source_audio: wavDataUri(src.data), voice: 'en-us-female-1', format: 'ogg' });
    const source = await decodeFile('wav', src.data);
    const converted = await decodeFile('ogg', files[0]!.data);
    const targetF0 = medianF0(await decodeFile('wav', target.data));
    expect(Math.abs(medianF0(converted) / targetF0 - 1)).toBeLessThan(0.2);
    expect(medianF0(converted)).toBeGreaterThan(medianF0(source) * 1.6);
    expect(Math.abs(converted.seconds / source.seconds - 1)).toBeLessThan(0.05);
    expect(out.result.analysis).toMatchObject({ preserve_formants: true });
  }, 120_000);

  it('moves a female source down to a reference recording (upload), formants shifted on request', async () => {
    const world = fakeWorld();
    const src = (await runTask(world, flite!, 'flite', { text: TEXT, voice: 'flite-slt', format: 'mp3' })).files[0]!;
    const ref = (await runTask(world, espeak!, 'espeak-ng', { text: 'A low reference voice for the conversion.', voice: 'en-us-male-2', pitch: 0.7 })).files[0]!;
    world.uploads.set('upl_dddddddddddddddddddddddd', src.data);
    world.uploads.set('upl_eeeeeeeeeeeeeeeeeeeeeeee', ref.data);
    for (const preserve of [true, false]) {
      const { files, out } = await runTask(world, lab!, 'rubberband-convert', {
        source_audio: 'upl_dddddddddddddddddddddddd', reference_audio: 'upl_eeeeeeeeeeeeeeeeeeeeeeee', preserve_formants: preserve,
      });
      const refF0 = medianF0(await decodeFile('wav', ref.data));
      const converted = await decodeFile('wav', files[0]!.data);
      expect(Math.abs(medianF0(converted) / refF0 - 1)).toBeLessThan(0.2);
      expect((out.result.analysis as { pitch_ratio: number }).pitch_ratio).toBeLessThan(0.7);
    }
  }, 120_000);

  it('converts toward an account voice', async () => {
    const world = fakeWorld();
    const { out } = await runTask(world, lab!, 'espeak-ng-design', { description: 'a very high woman', text: 'Hello there.' });
    const voiceId = (out.result.voices as Array<{ voice_id: string }>)[0]!.voice_id;
    const src = (await runTask(world, espeak!, 'espeak-ng', { text: TEXT })).files[0]!;
    const { files } = await runTask(world, lab!, 'rubberband-convert', { source_audio: wavDataUri(src.data), voice: voiceId });
    const expected = world.voices.get(voiceId)!.params.f0_hz as number;
    expect(Math.abs(medianF0(await decodeFile('wav', files[0]!.data)) / expected - 1)).toBeLessThan(0.2);
  }, 120_000);

  it('checks its input', async () => {
    const m = lab!.models.find((x) => x.id === 'rubberband-convert')!;
    const uri = 'data:audio/wav;base64,UklGRiQAAABXQVZFZm10IBAAAAABAAEA';
    expect(() => lab!.validate(m, { source_audio: uri })).toThrow(/"voice".*"reference_audio"/);
    expect(() => lab!.validate(m, { source_audio: uri, voice: 'en-us-female-1', reference_audio: uri })).toThrow(/not both/);
    expect(() => lab!.validate(m, { source_audio: uri, voice: 'nobody' })).toThrow(/Unknown voice/);
    expect(() => lab!.validate(m, { source_audio: 'ftp://x/y.wav', voice: 'en-us-female-1' })).toThrow(/upload id/);
    // an account voice id that this account does not have: known at creation
    const world = fakeWorld();
    await expect(runTask(world, lab!, 'rubberband-convert', { source_audio: uri, voice: 'voice_000000000000000000000000' }))
      .rejects.toMatchObject({ code: 'INVALID_INPUT', message: /Unknown voice/ });
  });
});
