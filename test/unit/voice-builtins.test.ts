/** Every built-in voice sounds like its declared gender: measured, not trusted. */
import { afterAll, describe, expect, it } from 'vitest';
import { createLocalVoiceProviders } from '../../dist/providers/local.js';
import { decodeFile, fakeWorld, medianF0, runTask } from './voice-helpers.js';

const providers = createLocalVoiceProviders({ maxThreads: 2 });
afterAll(async () => {
  for (const p of providers) await p.close?.();
});

describe('built-in voices', () => {
  for (const provider of providers.filter((p) => p.voices?.length)) {
    it(`${provider.id}: female voices speak above 150 Hz, male ones below`, async () => {
      const world = fakeWorld();
      const wrong: string[] = [];
      for (const voice of provider.voices!) {
        const { files } = await runTask(world, provider, provider.models[0]!.id, { text: 'One, two, three. How are you today?', voice: voice.id });
        const f0 = medianF0(await decodeFile('wav', files[0]!.data));
        if ((voice.gender === 'female') !== f0 > 150) wrong.push(`${voice.id} (${voice.gender}) at ${Math.round(f0)} Hz`);
      }
      expect(wrong).toEqual([]);
    }, 120_000);
  }
});
