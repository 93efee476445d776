/** `Prefer: wait=N` (RFC 7240), as Replicate uses it: hold the response up to N seconds. */
import { invalidRequest } from '../../core/errors.js';

export const MAX_WAIT_S = 60;

/** Returns the wait in seconds, null when the header asks for none, or throws INVALID_PREFER-ish 400. */
export function parsePreferWait(header: string | string[] | undefined): number | null {
  if (header === undefined) return null;
  const text = Array.isArray(header) ? header.join(',') : header;
  for (const part of text.split(',')) {
    const [name, ...rest] = part.split('=');
    if (name?.trim().toLowerCase() !== 'wait') continue;
    const raw = rest.join('=').trim().replace(/^"(.*)"$/, '$1');
    if (!/^\d{1,6}$/.test(raw)) {
      throw invalidRequest(`Prefer: wait must be a whole number of seconds from 0 to ${MAX_WAIT_S}, got "${raw}"`, { header: 'prefer' });
    }
    const n = Number(raw);
    if (n > MAX_WAIT_S) throw invalidRequest(`Prefer: wait is at most ${MAX_WAIT_S} seconds, got ${n}`, { header: 'prefer' });
    return n;
  }
  return null;
}
