/** Small pieces shared by the views. */
import type { Task, TaskFile, TaskStatus } from '../../sdk/index.js';
import { GenqApiError, GenqError, isTerminal } from '../../sdk/index.js';
import { h } from './dom.js';
import { STATUS_LABEL, bytes, seconds } from './format.js';

export function statusBadge(status: TaskStatus): HTMLElement {
  return h('span', { class: `badge badge-${status}`, 'data-status': status }, STATUS_LABEL[status] ?? status);
}

export function progressBar(task: Pick<Task, 'status' | 'progress'>): HTMLElement {
  const pct = task.status === 'succeeded' ? 100 : Math.round((task.progress ?? 0) * 100);
  const active = !isTerminal(task.status);
  const bar = h('div', {
    class: `progress${active ? ' progress-active' : ''} progress-${task.status}`,
    role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': pct, 'aria-label': 'Progress',
  }, h('div', { class: 'progress-fill' }));
  // through the CSSOM: the page's CSP forbids inline style attributes
  (bar.firstChild as HTMLElement).style.width = `${pct}%`;
  return bar;
}

/** The right element for a result file: a player for audio and video, an image, or a link. */
export function mediaFor(file: TaskFile, label: string): HTMLElement {
  const type = file.content_type;
  const meta = h('p', { class: 'file-meta' },
    `${file.format.toUpperCase()} · ${bytes(file.size_bytes)}`,
    file.duration_s != null ? ` · ${seconds(file.duration_s)}` : '',
    file.width && file.height ? ` · ${file.width}×${file.height}` : '',
    ' · ', h('a', { href: file.url, download: '', class: 'link' }, 'Download'),
  );
  let media: HTMLElement;
  if (type.startsWith('audio/')) media = h('audio', { controls: true, preload: 'metadata', src: file.url, 'aria-label': label });
  else if (type.startsWith('video/')) media = h('video', { controls: true, preload: 'metadata', src: file.url, 'aria-label': label, playsInline: true });
  else if (type.startsWith('image/')) media = h('img', { src: file.url, alt: label, loading: 'lazy' });
  else media = h('a', { href: file.url, class: 'button secondary', download: '' }, `Open ${file.format} file`);
  return h('figure', { class: 'media' }, media, h('figcaption', null, meta));
}

export function jsonBlock(value: unknown, label: string): HTMLElement {
  return h('pre', { class: 'json', tabindex: 0, 'aria-label': label }, h('code', null, JSON.stringify(value, null, 2)));
}

export function copyButton(text: string, label = 'Copy'): HTMLButtonElement {
  const b = h('button', { type: 'button', class: 'button ghost small', 'aria-label': `${label}: ${text}` }, 'Copy');
  b.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text);
      b.textContent = 'Copied';
    } catch {
      b.textContent = 'Select and copy';
    }
    setTimeout(() => (b.textContent = 'Copy'), 1500);
  });
  return b;
}

/** A readable message for anything the SDK throws. */
export function describeError(e: unknown): string {
  if (e instanceof GenqApiError) {
    if (e.status === 401) return 'The API key was not accepted. Sign out and sign in with a valid key.';
    return `${e.message} (${e.code})`;
  }
  if (e instanceof GenqError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

export function errorNotice(e: unknown): HTMLElement {
  return h('div', { class: 'notice notice-error', role: 'alert' }, describeError(e));
}

export function emptyState(title: string, body?: Node | string): HTMLElement {
  return h('div', { class: 'empty' }, h('p', { class: 'empty-title' }, title), body ? h('div', null, body) : null);
}

export function spinner(label = 'Loading'): HTMLElement {
  return h('div', { class: 'loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), label, '…');
}
