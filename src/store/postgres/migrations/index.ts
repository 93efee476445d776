import init from './0001-init.js';

/** Numbered, append-only. A released migration is never edited; add the next number instead. */
export const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  { version: 1, name: 'init', sql: init },
];
