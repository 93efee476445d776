import init from './0001-init.js';
import workersRetention from './0002-workers-retention.js';
import creditsWebhooks from './0003-credits-webhooks.js';

/** Numbered, append-only. A released migration is never edited; add the next number instead. */
export const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  { version: 1, name: 'init', sql: init },
  { version: 2, name: 'workers-retention', sql: workersRetention },
  { version: 3, name: 'credits-webhooks', sql: creditsWebhooks },
];
