/**
 * Vendor voice names (FineVoice's "james", CAMB.AI's integer ids) resolve to genq voice ids
 * through a table: the dialect's documented defaults, overridden per deployment by
 * GENQ_VOICE_ALIASES. A name that is in neither table passes through unchanged, so genq's own
 * voice ids work in every dialect and an unknown name gets the engine's own clear error.
 */
export type AliasTable = Readonly<Record<string, string>>;

export function aliasTable(defaults: AliasTable, overrides: AliasTable | undefined): AliasTable {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...defaults, ...(overrides ?? {}) })) out[k.toLowerCase()] = v;
  return Object.freeze(out);
}

export function resolveVoice(table: AliasTable, name: string): string {
  const k = name.trim().toLowerCase();
  // own keys only: "constructor" or "__proto__" are voice names like any other, not Object.prototype
  return Object.hasOwn(table, k) ? table[k]! : name.trim();
}
