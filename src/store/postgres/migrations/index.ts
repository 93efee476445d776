import init from './0001-init.js';
import creditsWebhooks from './0002-credits-webhooks.js';

/** Numbered, append-only. A released migration is never edited; add the next number instead. */
export const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  { version: 1, name: 'init', sql: init },
  { version: 2, name: 'credits-webhooks', sql: creditsWebhooks },
];
