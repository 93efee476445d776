/**
 * The task list: newest first, filtered by status and capability on the server and searched
 * in the browser, with live status (SSE for the active tasks at the top, polling for the rest).
 */
import type { Task, TaskListParams } from '../../../sdk/index.js';
import { isTerminal } from '../../../sdk/index.js';
import { announce, h, replace } from '../dom.js';
import { emptyState, errorNotice, progressBar, spinner, statusBadge } from '../components.js';
import { STATUS_LABEL, dateTime, elapsed, relativeTime, shortId, taskSummary } from '../format.js';
import { follow } from '../live.js';
import type { View, ViewContext } from '../view.js';

const STATUS_FILTERS: Array<{ value: string; label: string; statuses?: string }> = [
  { value: '', label: 'All statuses' },
  { value: 'active', label: 'Active (pending, queued, running)', statuses: 'pending,queued,running' },
  { value: 'succeeded', label: 'Succeeded', statuses: 'succeeded' },
  { value: 'failed', label: 'Failed or timed out', statuses: 'failed,timed_out' },
  { value: 'cancelled', label: 'Cancelled', statuses: 'cancelled' },
  { value: 'expired', label: 'Expired', statuses: 'expired' },
];
const CAPABILITIES = ['voice', 'image', 'video', 'music'];
const PAGE = 50;

export function matchesSearch(t: Task, q: string): boolean {
  if (!q) return true;
  const hay = [t.id, t.model, t.status, t.capability, t.action, taskSummary(t.input), JSON.stringify(t.metadata ?? {}), t.error?.code ?? '']
    .join('\n').toLowerCase();
  return q.toLowerCase().split(/\s+/).filter(Boolean).every((w) => hay.includes(w));
}

export const tasksView: View = {
  title: 'Tasks',
  render(ctx: ViewContext) {
    const state = {
      status: ctx.query.get('status') ?? '',
      capability: ctx.query.get('capability') ?? '',
      q: ctx.query.get('q') ?? '',
      tasks: [] as Task[],
      cursor: null as string | null,
      loaded: false,
    };
    const following = new Set<string>();

    const search = h('input', { id: 'task-search', type: 'search', placeholder: 'id, text, model, metadata…', value: state.q, autocomplete: 'off' });
    const statusSel = h('select', { id: 'task-status', value: state.status }, STATUS_FILTERS.map((f) => h('option', { value: f.value }, f.label)));
    const capSel = h('select', { id: 'task-capability', value: state.capability },
      h('option', { value: '' }, 'All capabilities'), CAPABILITIES.map((c) => h('option', { value: c }, c)));
    const body = h('div', { class: 'task-list' }, spinner('Loading tasks'));
    const more = h('button', { type: 'button', class: 'button secondary', hidden: true }, 'Load more');
    const footnote = h('p', { class: 'help', role: 'status' });

    const syncUrl = () => {
      const q = new URLSearchParams();
      if (state.status) q.set('status', state.status);
      if (state.capability) q.set('capability', state.capability);
      if (state.q) q.set('q', state.q);
      const s = q.toString();
      history.replaceState(null, '', `#/tasks${s ? `?${s}` : ''}`);
    };

    const params = (): TaskListParams => {
      const f = STATUS_FILTERS.find((x) => x.value === state.status);
      return { limit: PAGE, ...(f?.statuses ? { status: f.statuses } : {}), ...(state.capability ? { capability: state.capability } : {}) };
    };

    const row = (t: Task): HTMLElement => {
      const summary = taskSummary(t.input);
      return h('tr', { dataset: { taskId: t.id, status: t.status } },
        h('td', { class: 'cell-status', 'data-label': 'Status' }, statusBadge(t.status), isTerminal(t.status) ? null : progressBar(t)),
        h('td', { class: 'cell-main', 'data-label': 'Task' },
          h('a', { href: `#/tasks/${t.id}`, class: 'row-link' }, summary ? `“${summary.length > 90 ? `${summary.slice(0, 90)}…` : summary}”` : `${t.capability}/${t.action}`),
          h('div', { class: 'sub' }, `${t.capability}/${t.action} · ${t.model} · `, h('span', { class: 'mono' }, shortId(t.id)),
            t.error && t.status !== 'cancelled' ? h('span', { class: 'error-code' }, ` · ${t.error.code}`) : null),
        ),
        h('td', { 'data-label': 'Created' }, h('time', { datetime: t.created_at, title: dateTime(t.created_at) }, relativeTime(t.created_at))),
        h('td', { 'data-label': 'Run time' }, t.started_at ? elapsed(t.started_at, t.completed_at) : '—'),
        h('td', { class: 'num', 'data-label': 'Credits' }, String(t.credits_used ?? t.credits_reserved)),
      );
    };

    const draw = () => {
      if (!state.loaded) return;
      const shown = state.tasks.filter((t) => matchesSearch(t, state.q));
      if (state.tasks.length === 0) {
        replace(body, emptyState(state.status || state.capability ? 'No tasks match these filters.' : 'No tasks yet.',
          h('a', { href: '#/speak', class: 'button primary' }, 'Create a speech task')));
      } else if (shown.length === 0) {
        replace(body, emptyState(`No loaded task matches “${state.q}”.`));
      } else {
        replace(body, h('table', { class: 'table tasks-table' },
          h('caption', { class: 'visually-hidden' }, 'Tasks, newest first'),
          h('thead', null, h('tr', null, ['Status', 'Task', 'Created', 'Run time', 'Credits'].map((c) => h('th', { scope: 'col' }, c)))),
          h('tbody', null, shown.map(row)),
        ));
      }
      more.hidden = !state.cursor;
      footnote.textContent = state.q && state.cursor
        ? `Search looks through the ${state.tasks.length} tasks loaded so far; load more to search older ones.`
        : '';
    };

    /** Puts fresher copies of tasks in place (and new ones on top), never an older snapshot over a newer one. */
    const merge = (incoming: Task[], append: boolean) => {
      const index = new Map(state.tasks.map((t, i) => [t.id, i]));
      const fresh: Task[] = [];
      for (const t of incoming) {
        const i = index.get(t.id);
        if (i === undefined) fresh.push(t);
        else if (!isTerminal(state.tasks[i]!.status) || isTerminal(t.status)) state.tasks[i] = t;
      }
      state.tasks = append ? [...state.tasks, ...fresh] : [...fresh, ...state.tasks];
    };

    const onLive = (t: Task) => {
      const i = state.tasks.findIndex((x) => x.id === t.id);
      if (i < 0) return;
      const before = state.tasks[i]!;
      state.tasks[i] = t;
      if (before.status !== t.status && isTerminal(t.status)) announce(`Task ${shortId(t.id)} ${STATUS_LABEL[t.status].toLowerCase()}`);
      const tr = body.querySelector(`tr[data-task-id="${CSS.escape(t.id)}"]`);
      if (tr && matchesSearch(t, state.q)) tr.replaceWith(row(t));
      if (isTerminal(t.status)) ctx.refreshAccount();
    };

    const followActive = () => {
      for (const t of state.tasks) {
        if (isTerminal(t.status) || following.has(t.id)) continue;
        if (!follow(ctx.genq, t.id, ctx.signal, onLive)) break;
        following.add(t.id);
      }
    };

    let generation = 0;
    const load = async (append: boolean) => {
      const gen = ++generation;
      try {
        const page = await ctx.genq.tasks.page({ ...params(), ...(append && state.cursor ? { cursor: state.cursor } : {}) }, { signal: ctx.signal });
        if (gen !== generation) return;
        if (append) merge(page.data, true);
        else state.tasks = page.data;
        state.cursor = page.next_cursor;
        state.loaded = true;
        draw();
        followActive();
      } catch (e) {
        if (ctx.signal.aborted) return;
        replace(body, errorNotice(e));
      }
    };

    /** newest page again: picks up tasks made elsewhere and the state of tasks nobody streams */
    const refresh = async () => {
      if (document.visibilityState !== 'visible' || !state.loaded) return;
      try {
        const page = await ctx.genq.tasks.page(params(), { signal: ctx.signal });
        merge(page.data, false);
        draw();
        followActive();
      } catch {
        // next tick tries again
      }
    };
    // every 5 s while some active task has no stream of its own, else every 15 s
    let ticks = 0;
    const timer = setInterval(() => {
      const unstreamed = state.tasks.some((t) => !isTerminal(t.status) && !following.has(t.id));
      if (unstreamed || ++ticks % 3 === 0) void refresh();
    }, 5000);
    ctx.signal.addEventListener('abort', () => clearInterval(timer));

    let debounce: ReturnType<typeof setTimeout> | undefined;
    search.addEventListener('input', () => {
      clearTimeout(debounce);
      debounce = setTimeout(() => {
        state.q = search.value.trim();
        syncUrl();
        draw();
      }, 120);
    });
    const onFilter = () => {
      state.status = statusSel.value;
      state.capability = capSel.value;
      state.loaded = false;
      state.cursor = null;
      replace(body, spinner('Loading tasks'));
      syncUrl();
      void load(false);
    };
    statusSel.addEventListener('change', onFilter);
    capSel.addEventListener('change', onFilter);
    more.addEventListener('click', () => void load(true));
    void load(false);

    return h('div', { class: 'page' },
      h('div', { class: 'page-head' },
        h('h1', null, 'Tasks'),
        h('a', { href: '#/speak', class: 'button primary' }, 'New speech'),
      ),
      h('div', { class: 'toolbar', role: 'search' },
        h('div', { class: 'field grow' }, h('label', { for: 'task-search' }, 'Search'), search),
        h('div', { class: 'field' }, h('label', { for: 'task-status' }, 'Status'), statusSel),
        h('div', { class: 'field' }, h('label', { for: 'task-capability' }, 'Capability'), capSel),
      ),
      body,
      h('div', { class: 'list-footer' }, more, footnote),
    );
  },
};
