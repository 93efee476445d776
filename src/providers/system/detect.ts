/**
 * Finds the speech engines installed from Debian packages (`espeak-ng`, `festival` with the
 * `festvox-us-slt-hts` voice). Checked once at start-up by looking at the files, without
 * running anything: a machine without them simply offers fewer models.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface SystemEngines {
  espeakNg: string | null;
  /** text2wave, present only with the HTS voice it is offered with */
  festival: { text2wave: string; voice: string } | null;
}

function which(bin: string, pathVar: string): string | null {
  for (const dir of pathVar.split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, bin);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
}

const HTS_VOICE_DIRS = ['/usr/share/festival/voices/us/cmu_us_slt_arctic_hts'];

export function detectSystemEngines(pathVar: string): SystemEngines {
  const text2wave = which('text2wave', pathVar);
  const hts = HTS_VOICE_DIRS.find((d) => fs.existsSync(d));
  return {
    espeakNg: which('espeak-ng', pathVar),
    festival: text2wave && hts ? { text2wave, voice: 'voice_cmu_us_slt_arctic_hts' } : null,
  };
}
