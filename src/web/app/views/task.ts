/** One task: status, result (a player for audio, an image or video element), error, timeline, input, metadata. */
import type { Task, TaskEvent } from '../../../sdk/index.js';
import { GenqApiError, isTerminal } from '../../../sdk/index.js';
import { announce, h, replace } from '../dom.js';
import { copyButton, describeError, errorNotice, jsonBlock, mediaFor, progressBar, spinner, statusBadge } from '../components.js';
import { STATUS_LABEL, dateTime, elapsed, taskSummary } from '../format.js';
import type { View, ViewContext } from '../view.js';

const time = (iso: string) => {
  const d = new Date(iso);
  return `${d.toLocaleTimeString(undefined, { hour12: false })}.${String(d.getMilliseconds()).padStart(3, '0')}`;
};

/** Timeline rows; a run of progress events collapses into one row. */
export function timelineItems(events: TaskEvent[]): HTMLElement[] {
  const items: HTMLElement[] = [];
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (e.type === 'task.progress') {
      let j = i;
      while (j + 1 < events.length && events[j + 1]!.type === 'task.progress') j++;
      const last = events[j]!;
      const pct = (p: number | null) => `${Math.round((p ?? 0) * 100)}%`;
      const what = j === i ? `Progress ${pct(e.progress)}` : `Progress ${pct(e.progress)} → ${pct(last.progress)} (${j - i + 1} updates)`;
      items.push(h('li', { class: 'tl-item tl-progress' }, h('time', { datetime: e.at }, time(e.at)), h('span', null, what)));
      i = j;
      continue;
    }
    const status = e.status;
    items.push(h('li', { class: `tl-item tl-${status}` },
      h('time', { datetime: e.at }, time(e.at)),
      h('span', null, STATUS_LABEL[status] ?? e.type, h('span', { class: 'sub mono' }, ` ${e.type}`)),
    ));
  }
  return items;
}

function details(t: Task): HTMLElement {
  const row = (k: string, v: Node | string | number | null | undefined) => [h('dt', null, k), h('dd', null, v === null || v === undefined || v === '' ? '—' : v)];
  return h('dl', { class: 'details' },
    row('Capability', `${t.capability} / ${t.action}`),
    row('Model', t.model),
    row('Provider', t.provider ?? '—'),
    row('Created', dateTime(t.created_at)),
    row('Started', dateTime(t.started_at)),
    row('Completed', dateTime(t.completed_at)),
    row('Queue wait', t.started_at ? elapsed(t.created_at, t.started_at) : t.completed_at ? '—' : elapsed(t.created_at, null)),
    row('Run time', t.started_at ? elapsed(t.started_at, t.completed_at) : '—'),
    row('Attempts', `${t.attempts} of ${t.max_attempts}`),
    row('Credits', t.credits_used === null ? `${t.credits_reserved} reserved` : `${t.credits_used} used (${t.credits_reserved} reserved)`),
    row('Priority', String(t.priority)),
    row('Timeout', `${t.timeout_s} s`),
    t.queue_position != null ? row('Queue position', String(t.queue_position)) : null,
    t.expires_at ? row('Start deadline', dateTime(t.expires_at)) : null,
    row('Run id', String(t.run_id)),
    row('Idempotency key', t.idempotency_key ? h('span', { class: 'mono' }, t.idempotency_key) : null),
    row('Webhook', t.webhook ? h('span', { class: 'mono' }, t.webhook.url) : null),
    t.degraded ? row('Degraded', 'served by a fallback provider') : null,
  );
}

export const taskView: View = {
  title: 'Task',
  render(ctx: ViewContext) {
    const id = ctx.params.id!;
    const head = h('div', { class: 'task-head' }, spinner('Loading task'));
    const result = h('section', { class: 'card', 'aria-labelledby': 'result-title' });
    const timeline = h('ol', { class: 'timeline', 'aria-live': 'polite' });
    const info = h('div', { class: 'task-info' });
    const events: TaskEvent[] = [];
    let task = null as Task | null;

    const drawHead = (t: Task) => {
      const cancel = isTerminal(t.status) ? null : h('button', { type: 'button', class: 'button danger small' }, 'Cancel task');
      cancel?.addEventListener('click', async () => {
        cancel.disabled = true;
        try {
          draw(await ctx.genq.tasks.cancel(t.id));
          ctx.refreshAccount();
        } catch (e) {
          cancel.disabled = false;
          cancel.after(errorNotice(e));
        }
      });
      const summary = taskSummary(t.input);
      replace(head,
        h('p', { class: 'crumb' }, h('a', { href: '#/tasks', class: 'link' }, '← Tasks')),
        h('div', { class: 'task-title' },
          h('h1', null, summary ? `“${summary.length > 80 ? `${summary.slice(0, 80)}…` : summary}”` : `${t.capability}/${t.action}`),
          h('div', { class: 'task-status', 'aria-live': 'polite' }, statusBadge(t.status),
            h('span', { class: 'pct' }, t.progress !== null && !isTerminal(t.status) ? `${Math.round(t.progress * 100)}%` : '')),
        ),
        h('p', { class: 'task-id' }, h('span', { class: 'mono' }, t.id), ' ', copyButton(t.id, 'Copy task id')),
        progressBar(t),
        cancel,
      );
    };

    const drawResult = (t: Task) => {
      const title = h('h2', { id: 'result-title' }, 'Result');
      if (t.error) {
        replace(result, title, h('div', { class: 'notice notice-error', role: 'alert' },
          h('strong', null, t.error.code), ': ', t.error.message,
          h('div', { class: 'sub' }, `type ${t.error.type}${t.error.retryable ? ' · retryable' : ''}`)));
      } else if (t.status === 'succeeded') {
        const files = t.result?.files ?? [];
        const extra = Object.fromEntries(Object.entries(t.result ?? {}).filter(([k]) => k !== 'files'));
        replace(result, title,
          files.length ? files.map((f, i) => mediaFor(f, `Result file ${i + 1} of task ${t.id}`)) : h('p', null, 'This task produced no files.'),
          Object.keys(extra).length ? jsonBlock(extra, 'Result fields') : null);
      } else if (isTerminal(t.status)) {
        replace(result, title, h('p', null, `This task was ${STATUS_LABEL[t.status].toLowerCase()} before it produced a result.`));
      } else {
        replace(result, title, h('p', { class: 'help' }, t.status === 'running' ? 'Working on it; the result appears here when it is ready.' : 'Waiting for a worker…'));
      }
    };

    const draw = (t: Task) => {
      const was = task?.status;
      task = t;
      drawHead(t);
      if (was !== t.status || !result.hasChildNodes()) drawResult(t);
      replace(info,
        h('section', { class: 'card' }, h('h2', null, 'Details'), details(t)),
        h('section', { class: 'card' }, h('h2', null, 'Input'), jsonBlock(t.input, 'Task input')),
        h('section', { class: 'card' }, h('h2', null, 'Metadata'), t.metadata && Object.keys(t.metadata).length ? jsonBlock(t.metadata, 'Task metadata') : h('p', { class: 'help' }, 'None.')),
      );
      if (was && was !== t.status && isTerminal(t.status)) {
        announce(`Task ${STATUS_LABEL[t.status].toLowerCase()}`);
        ctx.refreshAccount();
      }
    };

    void (async () => {
      try {
        draw(await ctx.genq.tasks.get(id, { signal: ctx.signal }));
        for await (const e of ctx.genq.tasks.events(id, { signal: ctx.signal })) {
          events.push(e);
          replace(timeline, timelineItems(events));
          // an event carries the task as of when it was sent: never step back to an older one
          if (!task || !isTerminal(task.status) || isTerminal(e.task.status)) draw(e.task);
        }
      } catch (e) {
        if (ctx.signal.aborted) return;
        if (e instanceof GenqApiError && e.status === 404) {
          replace(head, h('p', { class: 'crumb' }, h('a', { href: '#/tasks', class: 'link' }, '← Tasks')), h('h1', null, 'Task not found'),
            h('p', null, `No task ${id} exists for this account.`));
          result.remove();
        } else {
          head.append(h('div', { class: 'notice notice-error', role: 'alert' }, `Live updates stopped: ${describeError(e)}`));
        }
      }
    })();

    return h('div', { class: 'page task-page' },
      head,
      h('div', { class: 'task-grid' },
        h('div', { class: 'task-main' }, result, h('section', { class: 'card' }, h('h2', null, 'Timeline'), timeline)),
        info,
      ),
    );
  },
};
