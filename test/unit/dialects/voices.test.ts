/** Vendor voice names → genq voices: the dialects' defaults, overridden by GENQ_VOICE_ALIASES. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { aliasTable, resolveVoice } from '../../../src/api/dialects/shared/voices.js';

describe('voice aliases', () => {
  it('overrides win over defaults, names match case-insensitively, unknown names pass through', () => {
    const t = aliasTable({ james: 'en-us-male-1', 20303: 'en-us-female-1' }, { James: 'en-gb-male-1' });
    expect(resolveVoice(t, 'JAMES')).toBe('en-gb-male-1');
    expect(resolveVoice(t, '20303')).toBe('en-us-female-1');
    expect(resolveVoice(t, ' de-de-male-1 ')).toBe('de-de-male-1');
  });

  it('GENQ_VOICE_ALIASES is read inline or from @file, and refused when malformed', () => {
    expect(loadConfig({}, {}).voiceAliases).toEqual({});
    expect(loadConfig({}, { GENQ_VOICE_ALIASES: '{"finevoice":{"james":"en-gb-male-1"}}' }).voiceAliases).toEqual({ finevoice: { james: 'en-gb-male-1' } });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'genq-aliases-')), 'a.json');
    fs.writeFileSync(file, '{"camb":{"42":"fr-fr-female-1"}}');
    expect(loadConfig({}, { GENQ_VOICE_ALIASES: `@${file}` }).voiceAliases.camb).toEqual({ 42: 'fr-fr-female-1' });
    expect(() => loadConfig({}, { GENQ_VOICE_ALIASES: '{nope' })).toThrow(/not valid JSON/);
    expect(() => loadConfig({}, { GENQ_VOICE_ALIASES: '["james"]' })).toThrow(/JSON object/);
    expect(() => loadConfig({}, { GENQ_VOICE_ALIASES: '{"camb":{"1":2}}' })).toThrow(/GENQ_VOICE_ALIASES.camb/);
    expect(() => loadConfig({}, { GENQ_VOICE_ALIASES: '@/no/such/file.json' })).toThrow(/cannot be read/);
  });
});
