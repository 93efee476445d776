/**
 * Voice design follows the description, judged by measuring the candidates: a "deep, slow
 * male" is lower and slower than a "high, bright female", on the same text.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createLocalVoiceProviders } from '../../dist/providers/local.js';
import { parseDescription, targetFor } from '../../dist/providers/voice-lab/traits.js';
import { decodeFile, fakeWorld, medianF0, runTask, words } from './voice-helpers.js';

const [espeak, flite, lab] = createLocalVoiceProviders({ maxThreads: 2 });
afterAll(async () => {
  for (const p of [espeak, flite, lab]) await p!.close?.();
});

const TEXT = 'I have a voice of my own now. Listen to how I sound when I read this sentence aloud.';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

describe('description parsing', () => {
  it('reads gender, age, pitch, pace, energy and accent', () => {
    const t = parseDescription('A very deep, slow, calm elderly British man');
    expect(t).toMatchObject({ gender: 'male', age: 'old', language: 'en-GB' });
    expect(t.pitch).toBe(-2);
    expect(t.pace).toBe(-1);
    expect(t.energy).toBe(-1);
    const u = parseDescription('high, bright and energetic young woman, fast');
    expect(u).toMatchObject({ gender: 'female', age: 'young' });
    expect(u.pitch).toBe(2);
    expect(u.pace).toBe(1);
    expect(u.energy).toBe(1);
  });

  it('maps traits to targets in the right direction', () => {
    const deep = targetFor(parseDescription('deep slow male'), 'male');
    const high = targetFor(parseDescription('high bright female'), 'female');
    expect(deep.f0_hz).toBeLessThan(100);
    expect(high.f0_hz).toBeGreaterThan(240);
    expect(deep.wpm).toBeLessThan(high.wpm);
    expect(targetFor(parseDescription('a child'), 'female').f0_hz).toBeGreaterThan(250);
  });
});

describe('voice/design', () => {
  async function design(description: string, extra: Record<string, unknown> = {}) {
    const world = fakeWorld();
    const { out, files } = await runTask(world, lab!, 'espeak-ng-design', { description, text: TEXT, ...extra });
    const decoded = await Promise.all(files.map((f) => decodeFile(f.format, f.data)));
    return {
      world, out, files,
      f0: decoded.map(medianF0),
      // same text for every candidate: words per second is the pace
      rate: decoded.map((d) => words(TEXT) / d.seconds),
    };
  }

  it('"deep, slow male" candidates are lower and slower than "high, bright female" ones', async () => {
    const deep = await design('a deep, slow male voice');
    const high = await design('a high, bright female voice');
    expect(deep.files.length).toBeGreaterThanOrEqual(3);
    expect(high.files.length).toBeGreaterThanOrEqual(3);
    expect(median(deep.f0)).toBeLessThan(median(high.f0) / 2);
    expect(median(deep.rate)).toBeLessThan(median(high.rate) * 0.9);
    // every single deep candidate is below every single high one
    expect(Math.max(...deep.f0)).toBeLessThan(Math.min(...high.f0));
    expect(median(deep.f0)).toBeLessThan(115);
    expect(median(high.f0)).toBeGreaterThan(220);
  }, 120_000);

  it('saves every candidate as a reusable account voice with its sample, and tts speaks it', async () => {
    const { out, world, files } = await design('an energetic young woman', { candidates: 4, format: 'mp3', name: 'Nova' });
    const voices = out.result.voices as Array<{ voice_id: string; name: string; sample_file: number; gender: string }>;
    expect(voices).toHaveLength(4);
    expect(out.voices).toHaveLength(4);
    expect(files.every((f) => f.format === 'mp3')).toBe(true);
    expect(new Set(voices.map((v) => v.voice_id)).size).toBe(4);
    for (const [i, v] of voices.entries()) {
      expect(v.voice_id).toMatch(/^voice_[a-z0-9]{24}$/);
      expect(v.name).toBe(`Nova #${i + 1}`);
      expect(v.gender).toBe('female');
      expect(out.result.files[v.sample_file]!.key).toContain(`candidate-${i + 1}`);
      expect(out.voices![i]!.sample_key).toBe(out.result.files[i]!.key);
    }
    const { files: spoken } = await runTask(world, espeak!, 'espeak-ng', { text: 'Reused.', voice: voices[1]!.voice_id });
    const f0 = medianF0(await decodeFile('wav', spoken[0]!.data));
    const designed = medianF0(await decodeFile('mp3', files[1]!.data));
    expect(Math.abs(f0 / designed - 1)).toBeLessThan(0.2);
  }, 120_000);

  it('offers both genders when the description names none', async () => {
    const { out } = await design('a warm narrator');
    const genders = new Set((out.result.voices as Array<{ gender: string }>).map((v) => v.gender));
    expect(genders.has('male') && genders.has('female')).toBe(true);
  }, 120_000);

  it('rejects bad input at validation', () => {
    const m = lab!.models.find((x) => x.id === 'espeak-ng-design')!;
    expect(() => lab!.validate(m, { text: 'hi' })).toThrow(/description/);
    expect(() => lab!.validate(m, { description: 'deep', text: '' })).toThrow(/text/);
    expect(() => lab!.validate(m, { description: 'deep', text: 'hi', candidates: 2 })).toThrow(/3 to 5/);
    expect(() => lab!.validate(m, { description: 'deep', text: 'hi', language: 'xx-YY' })).toThrow(/not available/);
    expect(() => lab!.validate(m, { description: 'deep', text: 'hi', voice: 'x' })).toThrow(/Unknown field/);
  });
});
