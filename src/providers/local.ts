/**
 * Every local voice provider, built around one shared engine pool: espeak-ng and flite
 * speech, and the voice lab (design, clone, convert). The pool is closed with the last of
 * them.
 */
import type { Provider } from './provider.js';
import { EnginePool } from './engine-pool.js';
import { createEspeakProvider } from './espeak/index.js';
import { createFliteProvider } from './flite/index.js';
import { createVoiceLabProvider } from './voice-lab/index.js';
import { createSystemEngineProviders } from './system/index.js';
import type { SystemEngines } from './system/detect.js';

export interface LocalVoiceOptions {
  maxThreads?: number;
  /** let reference-audio URLs reach private and loopback addresses */
  allowPrivateUrls?: boolean;
  /** engines found installed from Debian packages (detectSystemEngines), offered as extra models */
  systemEngines?: SystemEngines;
}

export function createLocalVoiceProviders(opts: LocalVoiceOptions = {}): Provider[] {
  const pool = new EnginePool({ maxThreads: opts.maxThreads });
  const providers: Provider[] = [
    createEspeakProvider({ pool }),
    createFliteProvider(pool),
    createVoiceLabProvider(pool, { allowPrivateUrls: opts.allowPrivateUrls === true }),
    ...(opts.systemEngines ? createSystemEngineProviders(opts.systemEngines, pool) : []),
  ];
  let open = providers.length;
  return providers.map((p) => ({
    ...p,
    async close() {
      await p.close?.();
      if (--open === 0) await pool.close();
    },
  }));
}
