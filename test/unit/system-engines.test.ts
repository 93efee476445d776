/**
 * The engines installed from Debian packages (.ci/run installs them): detected from PATH,
 * offered as models, and producing real speech that follows the request. On a machine
 * without them these tests say so and skip; under CI=true their absence fails the run.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createLocalVoiceProviders } from '../../dist/providers/local.js';
import { detectSystemEngines } from '../../dist/providers/system/detect.js';
import { decodeFile, fakeWorld, medianF0, runTask } from './voice-helpers.js';

const engines = detectSystemEngines(process.env.PATH ?? '');
const found = { espeak: engines.espeakNg !== null, festival: engines.festival !== null };
const providers = createLocalVoiceProviders({ maxThreads: 2, systemEngines: engines });
afterAll(async () => {
  for (const p of providers) await p.close?.();
});
const provider = (id: string) => providers.find((p) => p.id === id)!;

const TEXT = 'The engines from the operating system speak too. This sentence proves it.';

describe('system engine detection', () => {
  it('finds nothing on an empty PATH, so those models are simply not offered', () => {
    const none = detectSystemEngines('');
    expect(none).toEqual({ espeakNg: null, festival: null });
    const ids = createLocalVoiceProviders({ systemEngines: none }).map((p) => p.id);
    expect(ids).not.toContain('espeak-ng-system');
    expect(ids).not.toContain('festival-hts');
  });

  it('finds the Debian engines when installed (required under CI)', () => {
    if (!found.espeak || !found.festival) {
      const why = `espeak-ng: ${found.espeak ? 'found' : 'missing'}, festival+HTS voice: ${found.festival ? 'found' : 'missing'} (apt-get install espeak-ng festival festvox-us-slt-hts)`;
      if (process.env.CI === 'true') throw new Error(`CI must have the system speech engines: ${why}`);
      console.warn(`skipping system engine synthesis tests: ${why}`);
    }
    expect(true).toBe(true);
  });
});

describe.skipIf(!found.espeak)('espeak-ng-system', () => {
  it('speaks the built-in voices, follows speed and voice, and refuses account voices', async () => {
    const world = fakeWorld();
    const p = provider('espeak-ng-system');
    const normal = await runTask(world, p, 'espeak-ng-system', { text: TEXT });
    const slow = await runTask(world, p, 'espeak-ng-system', { text: TEXT, speed: 0.6 });
    const female = await runTask(world, p, 'espeak-ng-system', { text: TEXT, voice: 'en-us-female-1', format: 'mp3' });
    const a = await decodeFile('wav', normal.files[0]!.data);
    const b = await decodeFile('wav', slow.files[0]!.data);
    const f = await decodeFile('mp3', female.files[0]!.data);
    expect(a.seconds).toBeGreaterThan(2.5);
    expect(a.seconds).toBeLessThan(9);
    expect(b.seconds / a.seconds).toBeGreaterThan(1.3);
    expect(medianF0(f)).toBeGreaterThan(medianF0(a) * 1.4);
    expect(() => p.validate(p.models[0]!, { text: 'hi', voice: `voice_${'ab'.repeat(12)}` })).toThrow(/built-in voices only/);
  });
});

describe.skipIf(!found.festival)('festival-hts', () => {
  it('speaks with the SLT HTS voice (female pitch), follows speed, and writes every format', async () => {
    const world = fakeWorld();
    const p = provider('festival-hts');
    const normal = await runTask(world, p, 'festival-hts', { text: TEXT });
    const fast = await runTask(world, p, 'festival-hts', { text: TEXT, speed: 1.5, format: 'ogg' });
    const a = await decodeFile('wav', normal.files[0]!.data);
    const b = await decodeFile('ogg', fast.files[0]!.data);
    expect(a.seconds).toBeGreaterThan(2.5);
    expect(b.seconds / a.seconds).toBeLessThan(0.8);
    const f0 = medianF0(a);
    expect(f0).toBeGreaterThan(140);
    expect(f0).toBeLessThan(260);
    expect(() => p.validate(p.models[0]!, { text: 'hi', language: 'de-DE' })).toThrow(/English only/);
    expect(() => p.validate(p.models[0]!, { text: 'hi', pitch: 1.2 })).toThrow(/Unknown field "pitch"/);
  });
});
