/** Human-friendly formatting of times, sizes and statuses. */
import type { TaskStatus } from '../../sdk/index.js';

const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

export function relativeTime(iso: string | null, now = Date.now()): string {
  if (!iso) return '—';
  const s = Math.round((new Date(iso).getTime() - now) / 1000);
  const abs = Math.abs(s);
  if (abs < 45) return rtf.format(s, 'second');
  if (abs < 45 * 60) return rtf.format(Math.round(s / 60), 'minute');
  if (abs < 22 * 3600) return rtf.format(Math.round(s / 3600), 'hour');
  return rtf.format(Math.round(s / 86400), 'day');
}

export const dateTime = (iso: string | null): string => (iso ? new Date(iso).toLocaleString() : '—');

export function elapsed(fromIso: string | null, toIso: string | null, now = Date.now()): string {
  if (!fromIso) return '—';
  const ms = (toIso ? new Date(toIso).getTime() : now) - new Date(fromIso).getTime();
  return seconds(ms / 1000);
}

export function seconds(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return '—';
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export const STATUS_LABEL: Record<TaskStatus, string> = {
  pending: 'Pending', queued: 'Queued', running: 'Running', succeeded: 'Succeeded',
  failed: 'Failed', timed_out: 'Timed out', cancelled: 'Cancelled', expired: 'Expired',
};

export const shortId = (id: string) => `${id.slice(0, 8)}…${id.slice(-4)}`;

/** The line that best says what a task is about: its text, prompt or description. */
export function taskSummary(input: Record<string, unknown>): string {
  for (const k of ['text', 'prompt', 'description']) {
    const v = input[k];
    if (typeof v === 'string' && v.trim()) return v.trim();
  }
  return '';
}
