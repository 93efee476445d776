/** Sign in with an API key; the key is checked against GET /v1/account before it is kept. */
import { h } from '../dom.js';
import { describeError } from '../components.js';

export function renderSignIn(opts: { message?: string; onSubmit(key: string): Promise<void> }): HTMLElement {
  const input = h('input', {
    id: 'api-key', name: 'api-key', type: 'password', required: true, autocomplete: 'off', spellcheck: false,
    placeholder: 'sk_…', 'aria-describedby': 'api-key-help',
  });
  const error = h('div', { class: 'notice notice-error', role: 'alert', hidden: true });
  const button = h('button', { type: 'submit', class: 'button primary wide' }, 'Sign in');
  const form = h('form', { class: 'signin-card', 'aria-labelledby': 'signin-title' },
    h('div', { class: 'brand signin-brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), 'genq'),
    h('h1', { id: 'signin-title' }, 'Sign in'),
    opts.message ? h('p', { class: 'notice', role: 'status' }, opts.message) : null,
    h('label', { for: 'api-key' }, 'API key'),
    input,
    h('p', { id: 'api-key-help', class: 'help' },
      'The key stays in this browser (localStorage) and is sent only to this server. No key yet? Run ',
      h('code', null, 'npx genq keys create --name me --credits 1000'), '.'),
    error,
    button,
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const key = input.value.trim();
    if (!key) return;
    button.disabled = true;
    button.textContent = 'Checking…';
    error.hidden = true;
    try {
      await opts.onSubmit(key);
    } catch (e) {
      error.textContent = describeError(e).startsWith('The API key was not accepted')
        ? 'That key was not accepted. Check that you copied all of it.'
        : describeError(e);
      error.hidden = false;
      input.focus();
    } finally {
      button.disabled = false;
      button.textContent = 'Sign in';
    }
  });
  queueMicrotask(() => input.focus());
  return h('div', { class: 'signin' }, form);
}
