/** The account: credits, key, webhook secret, and recent webhook deliveries (where the server records them). */
import { GenqApiError } from '../../../sdk/index.js';
import { h, replace } from '../dom.js';
import { copyButton, describeError, errorNotice, spinner } from '../components.js';
import { dateTime } from '../format.js';
import type { View, ViewContext } from '../view.js';

type Delivery = Record<string, unknown>;

function deliveriesTable(list: Delivery[]): HTMLElement {
  const pick = (d: Delivery, ...keys: string[]) => {
    for (const k of keys) if (d[k] !== undefined && d[k] !== null) return d[k];
    return undefined;
  };
  return h('table', { class: 'table' },
    h('caption', { class: 'visually-hidden' }, 'Recent webhook deliveries'),
    h('thead', null, h('tr', null, ['When', 'Event', 'Task', 'Outcome', 'Attempts'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', null, list.map((d) => {
      const when = pick(d, 'delivered_at', 'created_at', 'at');
      const code = pick(d, 'response_status', 'status_code', 'http_status');
      const status = pick(d, 'status', 'state');
      const task = pick(d, 'task_id');
      return h('tr', null,
        h('td', { 'data-label': 'When' }, typeof when === 'string' ? dateTime(when) : '—'),
        h('td', { 'data-label': 'Event' }, String(pick(d, 'event', 'type') ?? '—')),
        h('td', { 'data-label': 'Task' }, typeof task === 'string' ? h('a', { href: `#/tasks/${task}`, class: 'link mono' }, `${task.slice(0, 8)}…`) : '—'),
        h('td', { 'data-label': 'Outcome' }, [status, code].filter((x) => x !== undefined).join(' · ') || '—'),
        h('td', { 'data-label': 'Attempts' }, String(pick(d, 'attempts', 'attempt') ?? '—')),
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

    ctx.genq.request<{ data?: Delivery[] } | Delivery[]>('GET', '/v1/webhooks/deliveries', { query: { limit: 20 }, signal: ctx.signal }).then(
      (r) => {
        const list = Array.isArray(r) ? r : r?.data ?? [];
        replace(deliveries, list.length ? deliveriesTable(list) : h('p', { class: 'help' }, 'No webhook deliveries yet. Give a task a "webhook" and its deliveries appear here.'));
      },
      (e) => {
        if (ctx.signal.aborted) return;
        if (e instanceof GenqApiError && (e.status === 404 || e.status === 405 || e.status === 501)) {
          replace(deliveries, h('div', { class: 'notice', 'data-testid': 'deliveries-unavailable' },
            'Webhook delivery history is not available on this server: ', h('code', null, 'GET /v1/webhooks/deliveries'), ` answered ${e.status}. `,
            'Webhooks are still sent; this page just cannot list them yet.'));
        } else {
          replace(deliveries, h('div', { class: 'notice notice-error', role: 'alert' }, `Could not load deliveries: ${describeError(e)}`));
        }
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
