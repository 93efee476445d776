/**
 * espeak-ng provider: input schema, estimate, voices and chunking. Imports the compiled
 * dist/ build like espeak-synthesis.test.ts does (the piscina worker must be plain JS),
 * so run `npm run build` first.
 */
import { describe, expect, it } from 'vitest';
import { createEspeakProvider } from '../../dist/providers/espeak/index.js';
import { MAX_CHUNK_CHARS, splitText } from '../../dist/providers/espeak/chunk.js';

const provider = createEspeakProvider({ maxThreads: 1 });
const model = provider.models[0]!;
const validate = (input: unknown) => provider.validate(model, input as Record<string, unknown>);

function invalid(input: unknown): { code: string; message: string } {
  try {
    validate(input);
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error(`expected INVALID_INPUT for ${JSON.stringify(input)}`);
}

describe('espeak-ng model and voices', () => {
  it('declares one default voice/tts model', () => {
    expect(provider.id).toBe('espeak-ng');
    expect(provider.models).toEqual([
      expect.objectContaining({ id: 'espeak-ng', capability: 'voice', action: 'tts', default: true, timeout_s: 300 }),
    ]);
  });

  it('ships at least 12 voices in at least 4 languages, without espeak internals', () => {
    const voices = provider.voices!;
    expect(voices.length).toBeGreaterThanOrEqual(12);
    expect(new Set(voices.map((v) => v.language.split('-')[0])).size).toBeGreaterThanOrEqual(4);
    expect(new Set(voices.map((v) => v.id)).size).toBe(voices.length);
    for (const v of voices) {
      expect(Object.keys(v).sort()).toEqual(['engine', 'gender', 'id', 'language', 'name']);
      expect(v.engine).toBe('espeak-ng');
      expect(v.language).toMatch(/^[a-z]{2}-[A-Z]{2}$/);
    }
    expect(voices.some((v) => v.gender === 'female') && voices.some((v) => v.gender === 'male')).toBe(true);
  });
});

describe('espeak-ng validate', () => {
  it('fills defaults and trims text', () => {
    expect(validate({ text: '  Hello.  ' })).toEqual({
      text: 'Hello.',
      voice: 'en-us-male-1',
      language: 'en-US',
      speed: 1,
      pitch: 1,
      format: 'wav',
      ssml: false,
    });
  });

  it('treats null optional fields as absent and accepts "WAV"', () => {
    expect(validate({ text: 'hi', voice: null, speed: null, format: 'WAV' })).toMatchObject({ voice: 'en-us-male-1', speed: 1, format: 'wav' });
  });

  it('picks the default voice of a language', () => {
    expect(validate({ text: 'Hallo', language: 'de' })).toMatchObject({ voice: 'de-de-male-1', language: 'de-DE' });
    expect(validate({ text: 'Hi', language: 'en-GB' })).toMatchObject({ voice: 'en-gb-male-1' });
    expect(validate({ text: 'Hi', language: 'en-AU' })).toMatchObject({ voice: 'en-us-male-1' });
    expect(validate({ text: 'Olá', language: 'pt_PT' })).toMatchObject({ voice: 'pt-pt-male-1' });
  });

  it('accepts a voice with a language of the same family', () => {
    expect(validate({ text: 'Hi', voice: 'en-us-female-1', language: 'en-GB' })).toMatchObject({ voice: 'en-us-female-1', language: 'en-US' });
    expect(validate({ text: 'Hi', voice: 'FR-FR-FEMALE-1' })).toMatchObject({ voice: 'fr-fr-female-1' });
  });

  it('accepts exactly 5000 characters and the speed/pitch bounds', () => {
    expect(validate({ text: 'a'.repeat(5000), speed: 0.5, pitch: 2 })).toMatchObject({ speed: 0.5, pitch: 2 });
    expect(validate({ text: '😀'.repeat(5000) }).text).toHaveLength(10000); // limit counts code points
  });

  const bad: [string, unknown, RegExp][] = [
    ['not an object', null, /JSON object/],
    ['an array', ['hi'], /JSON object/],
    ['missing text', {}, /"text" is required/],
    ['non-string text', { text: 42 }, /"text" must be a string/],
    ['blank text', { text: ' \n\t ' }, /must not be empty/],
    ['text over 5000 chars', { text: 'a'.repeat(5001) }, /5001 characters; the limit is 5000/],
    ['unknown voice', { text: 'hi', voice: 'darth-vader' }, /Unknown voice "darth-vader"/],
    ['non-string voice', { text: 'hi', voice: 7 }, /"voice" must be a string/],
    ['unsupported language', { text: 'hi', language: 'xx' }, /Language "xx" is not supported/],
    ['language/voice mismatch', { text: 'hi', voice: 'en-us-male-1', language: 'de' }, /does not match voice/],
    ['speed too low', { text: 'hi', speed: 0.4 }, /between 0.5 and 2.0/],
    ['speed too high', { text: 'hi', speed: 2.01 }, /between 0.5 and 2.0/],
    ['speed as string', { text: 'hi', speed: '1.5' }, /must be a number/],
    ['speed NaN', { text: 'hi', speed: Number.NaN }, /must be a number/],
    ['pitch too high', { text: 'hi', pitch: 3 }, /"pitch" must be between/],
    ['pitch as bool', { text: 'hi', pitch: true }, /"pitch" must be a number/],
    ['flac', { text: 'hi', format: 'flac' }, /Use one of: wav, mp3, ogg/],
    ['ssml as string', { text: 'hi', ssml: 'yes' }, /"ssml" must be true or false/],
    ['format as number', { text: 'hi', format: 1 }, /"format" must be a string/],
    ['an unknown field', { text: 'hi', volume: 3 }, /Unknown field "volume"/],
  ];
  it.each(bad)('rejects %s with INVALID_INPUT', (_name, input, message) => {
    const err = invalid(input);
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toMatch(message);
  });
});

describe('espeak-ng estimate', () => {
  it.each([
    ['a', 1],
    ['a'.repeat(100), 1],
    ['a'.repeat(101), 2],
    ['a'.repeat(5000), 50],
  ])('charges 1 credit per started 100 characters', (text, credits) => {
    expect(provider.estimate(model, validate({ text }))).toBe(credits);
  });
});

describe('espeak-ng chunking', () => {
  const words = (s: string) => s.split(/\s+/).filter(Boolean);

  it('keeps short text whole', () => {
    expect(splitText('One. Two!  Three?')).toEqual(['One. Two!  Three?']);
  });

  it('cuts long text at sentence ends, within the limit, never inside a word', () => {
    const sentence = (i: number) => `Sentence number ${i} talks about the weather and the sea for a little while.`;
    const text = Array.from({ length: 40 }, (_, i) => sentence(i)).join(' ');
    const chunks = splitText(text);
    expect(chunks.length).toBeGreaterThan(5);
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(MAX_CHUNK_CHARS);
      expect(c).toMatch(/\.$/);
    }
    expect(words(chunks.join(' '))).toEqual(words(text));
  });

  it('falls back to clause and word boundaries for a sentence with no full stop', () => {
    const text = Array.from({ length: 300 }, (_, i) => `word${i}`).join(' ');
    const chunks = splitText(text);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(MAX_CHUNK_CHARS);
    expect(words(chunks.join(' '))).toEqual(words(text));
  });

  it('replaces control characters that would cut a C string short', () => {
    expect(splitText('Hello\u0000world')).toEqual(['Hello world']);
  });
});
