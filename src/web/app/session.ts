/** The API key lives in this browser only (localStorage) and goes only to the server that served the page. */
import { Genq } from '../../sdk/index.js';

const KEY = 'genq.apiKey';

export function storedKey(): string | null {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null; // storage disabled
  }
}

export function storeKey(key: string): void {
  localStorage.setItem(KEY, key);
}

export function forgetKey(): void {
  localStorage.removeItem(KEY);
}

export const clientFor = (apiKey: string): Genq => new Genq({ baseUrl: location.origin, apiKey });
