/** The account: credits, key, webhook secret, and recent webhook deliveries. */
import type { WebhookDelivery } from '../../../sdk/index.js';
import { h, replace } from '../dom.js';
import { copyButton, describeError, errorNotice, spinner } from '../components.js';
import { dateTime } from '../format.js';
import type { View, ViewContext } from '../view.js';

function deliveriesTable(list: WebhookDelivery[]): HTMLElement {
  return h('table', { class: 'table' },
    h('caption', { class: 'visually-hidden' }, 'Recent webhook deliveries'),
    h('thead', null, h('tr', null, ['When', 'Event', 'Task', 'Outcome', 'Attempts'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', null, list.map((d) => {
      const outcome = [d.status, d.last_status ?? undefined].filter((x) => x !== undefined).join(' · ');
      return h('tr', { 'data-testid': 'delivery' },
        h('td', { 'data-label': 'When' }, dateTime(d.delivered_at ?? d.created_at)),
        h('td', { 'data-label': 'Event' }, d.event),
        h('td', { 'data-label': 'Task' }, h('a', { href: `#/tasks/${d.task_id}`, class: 'link mono' }, `${d.task_id.slice(0, 8)}…`)),
        h('td', { 'data-label': 'Outcome', ...(d.last_error ? { title: d.last_error } : {}) }, outcome),
        h('td', { 'data-label': 'Attempts' }, String(d.attempts)),
      );
    })),
  );
}

export const accountView: View = {
  title: 'Account',
  render(ctx: ViewContext) {
    const summary = h('div', { class: 'account-grid' }, spinner('Loading account'));
    const deliveries = h('div', null, spinner('Loading deliveries'));

    ctx.genq.account.get({ signal: ctx.signal }).then(
      (a) => {
        const secret = h('span', { class: 'mono secret' }, '••••••••••••••••');
        const reveal = h('button', { type: 'button', class: 'button ghost small', 'aria-pressed': 'false' }, 'Reveal');
        reveal.addEventListener('click', () => {
          const shown = reveal.getAttribute('aria-pressed') === 'true';
          secret.textContent = shown ? '••••••••••••••••' : a.webhook_secret ?? '—';
          reveal.setAttribute('aria-pressed', String(!shown));
          reveal.textContent = shown ? 'Reveal' : 'Hide';
        });
        replace(summary,
          h('section', { class: 'card stat' }, h('h2', null, 'Credits'), h('p', { class: 'stat-value', 'data-testid': 'credits' }, a.credits_balance.toLocaleString()),
            h('p', { class: 'help' }, 'Each task reserves credits when it is created and is charged what it used when it ends.')),
          h('section', { class: 'card' }, h('h2', null, 'Account'),
            h('dl', { class: 'details' },
              h('dt', null, 'Name'), h('dd', null, a.name),
              h('dt', null, 'Account id'), h('dd', null, h('span', { class: 'mono' }, a.id), ' ', copyButton(a.id, 'Copy account id')),
              h('dt', null, 'Created'), h('dd', null, dateTime(a.created_at)),
              h('dt', null, 'This key'), h('dd', null, `${a.key.name} · `, h('span', { class: 'mono' }, `${a.key.prefix}…`)),
              h('dt', null, 'Rate limit'), h('dd', null, a.key.rate_limit ? `${a.key.rate_limit} requests/s` : 'none'),
            )),
          h('section', { class: 'card' }, h('h2', null, 'Webhook secret'),
            h('p', { class: 'help' }, 'Verifies the signature of the webhooks genq sends you.'),
            h('p', null, secret, ' ', reveal, ' ', a.webhook_secret ? copyButton(a.webhook_secret, 'Copy webhook secret') : null)),
        );
      },
      (e) => !ctx.signal.aborted && replace(summary, errorNotice(e)),
    );

    ctx.genq.webhooks.listDeliveries({ limit: 20 }, { signal: ctx.signal }).then(
      (r) => {
        replace(deliveries, r.data.length ? deliveriesTable(r.data) : h('p', { class: 'help' }, 'No webhook deliveries yet. Give a task a "webhook" and its deliveries appear here.'));
      },
      (e) => {
        if (ctx.signal.aborted) return;
        replace(deliveries, h('div', { class: 'notice notice-error', role: 'alert' }, `Could not load deliveries: ${describeError(e)}`));
      },
    );

    return h('div', { class: 'page' },
      h('div', { class: 'page-head' }, h('h1', null, 'Account')),
      summary,
      h('section', { class: 'card' }, h('h2', null, 'Recent webhook deliveries'), deliveries),
      h('details', { class: 'card' }, h('summary', null, 'Use this key from code'),
        h('pre', { class: 'json', tabindex: 0, 'aria-label': 'SDK example' }, h('code', null, [
          "import { Genq } from 'genq/sdk';",
          `const genq = new Genq({ baseUrl: '${location.origin}', apiKey: process.env.GENQ_API_KEY });`,
          "const task = await genq.run({ capability: 'voice', action: 'tts', input: { text: 'Hello' } });",
          'console.log(task.result?.files[0]?.url);',
        ].join('\n'))),
        h('p', { class: 'help' }, 'Full reference: ', h('a', { href: '/docs', class: 'link' }, 'API docs'), '.')),
    );
  },
};
