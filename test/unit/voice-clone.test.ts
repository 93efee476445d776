/**
 * Cloning by signal processing: the new voice's median F0 (and that of tts with it) lands
 * within 20% of the reference's, for references of several pitches, sources and formats.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { encodeWaveFromFloat32Channels } from '@echogarden/wave-codec';
import { createLocalVoiceProviders } from '../../dist/providers/local.js';
import { shiftAudio } from '../../dist/providers/audio/shift.js';
import { decodeFile, fakeWorld, medianF0, runTask, wavDataUri, type FakeWorld } from './voice-helpers.js';

const [espeak, flite, lab] = createLocalVoiceProviders({ maxThreads: 2 });
afterAll(async () => {
  for (const p of [espeak, flite, lab]) await p!.close?.();
});

const REF_TEXT = 'This is the reference recording. The clone should match my pitch and my pace as well as it can.';

async function reference(world: FakeWorld, provider: 'espeak' | 'flite', input: Record<string, unknown>) {
  const p = provider === 'espeak' ? espeak! : flite!;
  const { files } = await runTask(world, p, p.models[0]!.id, { text: REF_TEXT, ...input });
  return files[0]!;
}

async function expectClone(world: FakeWorld, ref: { format: string; data: Uint8Array }, referenceAudio: string) {
  const refF0 = medianF0(await decodeFile(ref.format, ref.data));
  const { out, files } = await runTask(world, lab!, 'espeak-ng-clone', { reference_audio: referenceAudio, name: 'Clone' });
  const voiceId = out.result.voice_id as string;
  expect(voiceId).toMatch(/^voice_/);
  expect(out.voices).toHaveLength(1);
  expect(out.voices![0]!.name).toBe('Clone');
  const sampleF0 = medianF0(await decodeFile(files[0]!.format, files[0]!.data));
  expect(Math.abs(sampleF0 / refF0 - 1)).toBeLessThan(0.2);
  // and the voice is reusable: tts with it keeps the pitch
  const { files: spoken } = await runTask(world, espeak!, 'espeak-ng', { text: 'A different sentence, spoken by the cloned voice.', voice: voiceId });
  const ttsF0 = medianF0(await decodeFile('wav', spoken[0]!.data));
  expect(Math.abs(ttsF0 / refF0 - 1)).toBeLessThan(0.2);
  return { refF0, out };
}

describe('voice/clone', () => {
  it('matches a high female reference (flite slt, Ogg, via upload)', async () => {
    const world = fakeWorld();
    const ref = await reference(world, 'flite', { voice: 'flite-slt', format: 'ogg' });
    world.uploads.set('upl_aaaaaaaaaaaaaaaaaaaaaaaa', ref.data);
    const { out } = await expectClone(world, ref, 'upl_aaaaaaaaaaaaaaaaaaaaaaaa');
    expect(out.voices![0]!.gender).toBe('female');
  }, 120_000);

  it('matches a low male reference (espeak, WAV, data URI)', async () => {
    const world = fakeWorld();
    const ref = await reference(world, 'espeak', { voice: 'en-us-male-2', pitch: 0.5, format: 'wav' });
    const { refF0, out } = await expectClone(world, ref, wavDataUri(ref.data));
    expect(refF0).toBeLessThan(90);
    expect(out.voices![0]!.gender).toBe('male');
  }, 120_000);

  it('matches a very high reference beyond espeak\'s own range with a formant-preserving shift', async () => {
    const world = fakeWorld();
    const slt = await decodeFile('wav', (await reference(world, 'flite', { voice: 'flite-slt' })).data);
    // a child-like voice around 400 Hz, above espeak's highest variant (~336 Hz at -p 99)
    const high = await shiftAudio({ sampleRate: slt.rate, samples: slt.samples }, { pitch: 2.4 });
    const ref = { format: 'wav', data: encodeWaveFromFloat32Channels([high.samples], high.sampleRate, 16) };
    world.uploads.set('upl_cccccccccccccccccccccccc', ref.data);
    const { refF0, out } = await expectClone(world, ref, 'upl_cccccccccccccccccccccccc');
    expect(refF0).toBeGreaterThan(360);
    expect((out.result.analysis as { voice: { pitch_shift: number } }).voice.pitch_shift).toBeGreaterThan(1);
  }, 120_000);

  it('matches the pace: a slow reference gives a slower voice than a fast one', async () => {
    const world = fakeWorld();
    const wpm: number[] = [];
    for (const speed of [0.6, 1.6]) {
      const ref = await reference(world, 'espeak', { speed, format: 'mp3' });
      world.uploads.set(`upl_${String(speed).replace('.', '')}aaaaaaaaaaaaaaaaaaaaaa`.slice(0, 28), ref.data);
      const { out } = await runTask(world, lab!, 'espeak-ng-clone', { reference_audio: `upl_${String(speed).replace('.', '')}aaaaaaaaaaaaaaaaaaaaaa`.slice(0, 28), name: `pace ${speed}` });
      wpm.push((out.result.analysis as { voice: { wpm: number } }).voice.wpm);
    }
    expect(wpm[0]!).toBeLessThan(wpm[1]! * 0.6);
  }, 120_000);
});

describe('voice/clone bad references fail the task with INVALID_INPUT', () => {
  const silence = (seconds: number, rate = 16000) => encodeWaveFromFloat32Channels([new Float32Array(Math.round(seconds * rate))], rate, 16);
  const tone = (seconds: number) => {
    const x = new Float32Array(16000 * seconds);
    for (let i = 0; i < x.length; i++) x[i] = 0.3 * Math.sin((2 * Math.PI * 150 * i) / 16000);
    return encodeWaveFromFloat32Channels([x], 16000, 16);
  };
  const cases: Array<[string, () => Uint8Array, RegExp]> = [
    ['not audio', () => new TextEncoder().encode('this is a text file, not a recording at all, sorry'), /not usable audio/],
    ['silent', () => silence(3), /no voiced speech/],
    ['too short', () => tone(0.5), /at least 1 s/],
    ['too long', () => silence(301, 8000), /limit is 300 s/],
    ['a truncated WAV header', () => silence(2).subarray(0, 30), /not usable audio|at least/],
  ];
  for (const [what, make, message] of cases) {
    it(what, async () => {
      const world = fakeWorld();
      const uri = `data:audio/wav;base64,${Buffer.from(make()).toString('base64')}`;
      await expect(runTask(world, lab!, 'espeak-ng-clone', { reference_audio: uri, name: 'x' })).rejects.toMatchObject({ code: 'INVALID_INPUT', message });
    }, 60_000);
  }

  it('an upload id the account does not have', async () => {
    await expect(runTask(fakeWorld(), lab!, 'espeak-ng-clone', { reference_audio: 'upl_bbbbbbbbbbbbbbbbbbbbbbbb', name: 'x' }))
      .rejects.toMatchObject({ code: 'INVALID_INPUT', message: /no upload/ });
  });
});
